import QtQuick
import ".."

// Pick a category; the ticket is printed and shown.
Item {
    id: scr
    readonly property var v: vm.state.view
    Panel {
        id: taken
        visible: !!scr.v.ticket
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: visible ? tcol.implicitHeight + theme.margin * 2 : 0
        Column {
            id: tcol
            anchors { fill: parent; margins: theme.margin }
            spacing: theme.gap
            Label { text: vm.t.your_number; color: theme.muted }
            Label { objectName: "ticketNumber"; text: scr.v.ticket ? scr.v.ticket.number : ""; font.pixelSize: theme.huge * 1.5; font.bold: true; color: theme.accent }
            Label { width: parent.width; text: scr.v.ticket ? vm.t.area + ": " + scr.v.ticket.area + " · " + vm.t.people_ahead + ": "
                    + scr.v.ticket.people_ahead + " · " + vm.t.wait_min + ": " + scr.v.ticket.estimated_wait_min : "" }
            // The platform's ticket names no window: the calling display does.
            Label { objectName: "ticketWhere"; width: parent.width; text: vm.t.ticket_where; font.bold: true }
            Label { text: scr.v.ticket && scr.v.ticket.printed === true ? vm.t.ticket_printed : ""; color: theme.ok }
        }
    }
    Label { id: pick; visible: !scr.v.ticket; text: vm.t.choose_category; font.pixelSize: theme.title }
    GridView {
        visible: !scr.v.ticket
        anchors { left: parent.left; right: parent.right; top: pick.bottom; bottom: done.top; topMargin: theme.gap; bottomMargin: theme.gap }
        clip: true
        cellWidth: width / (theme.portrait ? 2 : 3)
        cellHeight: theme.touch * 1.6
        model: scr.v.categories
        delegate: Item { width: GridView.view.cellWidth; height: GridView.view.cellHeight
            Btn { anchors { fill: parent; margins: theme.gap / 2 } text: modelData.name; primary: scr.v.preselected === modelData.code
                  onClicked: vm.send("pick_ticket_category", [modelData.code]) } }
    }
    Btn { id: done; objectName: "finish"; anchors { right: parent.right; bottom: parent.bottom } text: vm.t.finish; big: true; primary: !!scr.v.ticket
          onClicked: vm.send("finish", []) }
}
