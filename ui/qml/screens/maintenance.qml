import QtQuick
import ".."

// Role maintain: devices, outbox queue, test print, catalog reload, leave the application.
Item {
    id: scr
    readonly property var v: vm.state.view
    Column {
        id: body
        width: theme.portrait ? parent.width : parent.width * 0.6
        spacing: theme.gap
        Label { text: scr.v.staff_name; font.bold: true }
        Label { text: vm.t.devices; font.pixelSize: theme.title; color: theme.accent }
        Repeater { model: scr.v.devices
            Label { width: body.width; text: (vm.t["dev." + modelData.device] || modelData.device) + ": " + (vm.t["st." + modelData.status] || modelData.status)
                    + (modelData.code ? " (" + modelData.code + ")" : "") + (modelData.detail ? " — " + modelData.detail : "")
                    color: modelData.status === "ok" ? theme.ok : modelData.status === "unknown" ? theme.muted : theme.bad } }
        Label { text: vm.t.queue; font.pixelSize: theme.title; color: theme.accent }
        Label { objectName: "queueLine"; width: body.width
                text: scr.v.queue ? scr.v.queue.pending + " " + vm.t.pending + " · " + scr.v.queue.dead + " " + vm.t.dead + " · "
                      + scr.v.queue.acknowledged + " " + vm.t.acknowledged
                      + (scr.v.queue.oldest_pending_age_s != null ? " · " + vm.t.oldest_age + " " + scr.v.queue.oldest_pending_age_s : "") : "—" }
        Repeater { objectName: "deadLetters"; model: scr.v.queue ? scr.v.queue.dead_letters : []
            Label { width: body.width; color: theme.bad; wrapMode: Text.Wrap
                    text: "✗ " + modelData.tracking_no + " · " + modelData.service_code + " · " + modelData.error
                          + (modelData.fields ? " — " + modelData.fields : "") + (modelData.message ? " (" + modelData.message + ")" : "") } }
        Label { width: body.width; text: vm.t.catalog + ": " + (scr.v.catalog_version || "—") + " · " + scr.v.catalog_services + " " + vm.t.services_found }
    }
    Flow {
        anchors { left: theme.portrait ? parent.left : body.right; right: parent.right; top: theme.portrait ? body.bottom : parent.top
                  margins: theme.margin; leftMargin: theme.portrait ? 0 : theme.margin }
        spacing: theme.gap
        Btn { text: vm.t.refresh; onClicked: vm.send("refresh_maintenance", []) }
        Btn { text: vm.t.retry_dead; onClicked: vm.send("retry_dead", []) }
        Btn { objectName: "testPrint"; text: vm.t.test_print; onClicked: vm.send("test_print", []) }
        Btn { text: vm.t.reload_catalog; onClicked: vm.send("reload_catalog", []) }
        Btn { objectName: "leaveApp"; text: vm.t.leave_app; danger: true; onClicked: vm.send("leave_application", []) }
    }
}
