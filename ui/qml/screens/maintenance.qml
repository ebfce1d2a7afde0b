import QtQuick
import ".."

// Role maintain: who is signed in (and how), the terminal and its software, every device in
// words with the time it was last heard of, the outbox queue and its dead letters, test
// print, catalog reload, and leaving the application (asked first: the kiosk stops).
Item {
    id: scr
    readonly property var v: vm.state.view
    property bool askLeave: false
    readonly property bool zh: vm.state.lang === "zh"
    readonly property string who: scr.v.staff_name
        || (scr.v.via === "local" ? vm.t.local_technician : vm.t.staff_id + " " + scr.v.staff_id)
    function levelColour(level) {
        return level === "ok" ? theme.ok : level === "warn" ? theme.warn
             : level === "bad" ? theme.bad : theme.muted
    }
    Column {
        id: body
        width: theme.portrait ? parent.width : parent.width * 0.6
        spacing: theme.gap
        Row {
            spacing: theme.gap
            Label { objectName: "maintainer"; text: scr.who; font.bold: true
                    anchors.verticalCenter: parent.verticalCenter }
            Rectangle {
                objectName: "offlineBadge"
                visible: scr.v.via !== "platform"
                width: badgeText.implicitWidth + theme.gap * 2; height: badgeText.implicitHeight + theme.gap
                radius: 8; color: theme.warningBg; border.color: theme.warn; border.width: 2
                Label { id: badgeText; objectName: "offlineText"; anchors.centerIn: parent
                        text: vm.t.offline_sign_in; font.bold: true }
            }
        }
        Label { objectName: "terminalLine"; width: body.width; color: theme.muted
                text: vm.t.terminal + " " + scr.v.terminal + " · " + vm.t.version + " " + scr.v.version }
        Label { text: vm.t.devices; font.pixelSize: theme.title; color: theme.accent }
        Repeater { objectName: "deviceLines"; model: scr.v.devices
            Row {
                width: body.width
                spacing: theme.gap
                Rectangle { width: theme.font * 0.6; height: width; radius: width / 2
                            anchors.verticalCenter: parent.verticalCenter
                            color: scr.levelColour(modelData.level) }
                Label { objectName: "device_" + modelData.device
                        width: body.width - theme.font * 0.6 - theme.gap
                        text: (vm.t["dev." + modelData.device] || modelData.device) + (scr.zh ? "：" : ": ") + modelData.words
                              + (modelData.code ? (scr.zh ? "（" : " (") + vm.t.status_code + " " + modelData.code + (scr.zh ? "）" : ")") : "")
                              + (modelData.checked ? " · " + vm.t.checked_at + " " + modelData.checked : "")
                        color: modelData.level === "none" ? theme.muted : theme.fg }
            }
        }
        Label { text: vm.t.queue; font.pixelSize: theme.title; color: theme.accent }
        Label { objectName: "queueLine"; width: body.width
                text: scr.v.queue ? scr.v.queue.pending + " " + vm.t.pending + " · " + scr.v.queue.dead + " " + vm.t.dead + " · "
                      + scr.v.queue.acknowledged + " " + vm.t.acknowledged
                      + (scr.v.queue.oldest_pending_age_s != null
                         ? " · " + vm.t.oldest_minutes.replace("{m}", Math.floor(scr.v.queue.oldest_pending_age_s / 60)) : "") : "—" }
        Repeater { objectName: "deadLetters"; model: scr.v.queue ? scr.v.queue.dead_letters : []
            Label { width: body.width; color: theme.bad; wrapMode: Text.Wrap
                    text: "✗ " + modelData.tracking_no + " · " + modelData.service_code + " · " + modelData.error
                          + (modelData.fields ? " — " + modelData.fields : "") + (modelData.message ? " (" + modelData.message + ")" : "") } }
        Label { width: body.width; text: vm.t.catalog + (scr.zh ? "：" : ": ") + (scr.v.catalog_version || "—") + " · " + scr.v.catalog_services + " " + vm.t.services_found }
    }
    Flow {
        anchors { left: theme.portrait ? parent.left : body.right; right: parent.right; top: theme.portrait ? body.bottom : parent.top
                  margins: theme.margin; leftMargin: theme.portrait ? 0 : theme.margin }
        spacing: theme.gap
        Btn { objectName: "refresh"; text: vm.t.refresh; onClicked: vm.send("refresh_maintenance", []) }
        Btn { text: vm.t.retry_dead; onClicked: vm.send("retry_dead", []) }
        Btn { objectName: "testPrint"; text: vm.t.test_print; onClicked: vm.send("test_print", []) }
        Btn { text: vm.t.reload_catalog; onClicked: vm.send("reload_catalog", []) }
        Btn { objectName: "leaveApp"; text: vm.t.leave_app; danger: true; onClicked: scr.askLeave = true }
    }
    // Leaving stops the kiosk until someone starts it again: asked first, staying is the default.
    Rectangle {
        objectName: "leaveAppQuestion"
        parent: scr.Window.contentItem || scr
        anchors.fill: parent
        visible: scr.askLeave
        color: theme.veil
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width * 0.86, theme.touch * 15)
            height: askCol.implicitHeight + theme.margin * 2
            radius: 16; color: theme.panel; border.color: theme.bad; border.width: 4
            Column {
                id: askCol
                anchors.centerIn: parent
                width: parent.width - theme.margin * 2
                spacing: theme.margin
                Label { objectName: "leaveAppText"; width: parent.width; text: vm.t.leave_app_confirm
                        font.pixelSize: theme.title; horizontalAlignment: Text.AlignHCenter }
                Btn { objectName: "leaveAppNo"; width: parent.width; primary: true; big: true
                      text: vm.t.leave_app_no; onClicked: scr.askLeave = false }
                Btn { objectName: "leaveAppYes"; width: parent.width; danger: true
                      text: vm.t.leave_app_yes
                      onClicked: { scr.askLeave = false; vm.send("leave_application", []) } }
            }
        }
    }
}
