import QtQuick
import ".."

// What a service needs: materials, steps, fee, promised days; or where to go instead.
Item {
    id: scr
    readonly property var v: vm.state.view
    Flickable {
        id: serviceFlick
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actions.top; bottomMargin: theme.gap }
        contentHeight: body.implicitHeight
        clip: true
        Column {
            id: body
            width: parent.width
            spacing: theme.gap
            Label { width: parent.width; text: scr.v.name; font.pixelSize: theme.huge; font.bold: true }
            Label { width: parent.width; text: vm.t.department + ": " + scr.v.department; color: theme.muted }
            Label { width: parent.width; text: vm.t.fee + ": " + (scr.v.fee_cny > 0 ? scr.v.fee_cny + " " + vm.t.yuan : vm.t.free)
                    + "     " + vm.t.promised_days + ": " + scr.v.promised_days + " " + vm.t.days }
            Panel {
                visible: !scr.v.kiosk_filing
                width: parent.width; height: notHere.implicitHeight + theme.margin * 2
                border.color: theme.warn; border.width: 3
                // The words say what the button does: a number for this hall's windows of the
                // service's category; without a ticket, the department to go to.
                Label { id: notHere; objectName: "notHere"; anchors { fill: parent; margins: theme.margin }
                        text: vm.t.not_at_kiosk + "\n" + (scr.v.can_take_ticket && scr.v.ticket_category
                              ? vm.t.window_here.replace("{category}", scr.v.ticket_category)
                              : vm.t.go_instead + ": " + (scr.v.go_instead || "")); font.bold: true }
            }
            Label { text: vm.t.materials; font.pixelSize: theme.title; font.bold: true }
            Repeater { model: scr.v.materials
                Label { width: body.width; text: "• " + modelData.name + "  (" + (modelData.required ? vm.t.required : vm.t.optional) + ")" } }
            Label { text: vm.t.steps; font.pixelSize: theme.title; font.bold: true }
            Repeater { model: scr.v.steps
                Label { width: body.width; text: (index + 1) + ". " + modelData } }
        }
    }
    Row {
        id: actions
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { objectName: "takeTicketInstead"; visible: !scr.v.kiosk_filing && scr.v.can_take_ticket; text: vm.t.take_ticket_instead; big: true
              onClicked: vm.send("take_ticket_instead", []) }
        Btn { objectName: "startForm"; visible: scr.v.kiosk_filing; text: vm.t.start_form + " ›"; primary: true; big: true
              onClicked: vm.send("start_form", []) }
    }
    MoreBelow { flick: serviceFlick; anchors.fill: serviceFlick }
}
