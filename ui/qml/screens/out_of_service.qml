import QtQuick
import ".."

// Nothing a citizen came for works, or the platform closed the kiosk: say so plainly,
// give the hotline, and leave staff a way in (when the reader works).
Item {
    readonly property var v: vm.state.view
    Column {
        anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter }
        spacing: theme.margin * 1.5
        Label {
            objectName: "oosTitle"
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: vm.t.oos_title
            font.pixelSize: theme.huge * 1.4
            font.bold: true
            color: theme.bad
        }
        Label {
            objectName: "oosBody"
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: vm.t.oos_body.replace("{hotline}", v.hotline || "")
            font.pixelSize: theme.title
        }
        Label {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: v.why === "commanded" ? vm.t.oos_why_commanded : vm.t.oos_why_nothing_useful
            color: theme.muted
        }
        Label {
            objectName: "oosHotline"
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: "☎ " + (v.hotline || "")
            font.pixelSize: theme.huge * 1.2
            font.bold: true
            color: theme.accent
        }
    }
    // Small, for the technician: which devices are down.
    Label {
        anchors { left: parent.left; bottom: parent.bottom }
        visible: v.missing && v.missing.length > 0
        text: vm.t.oos_devices + ": " + (v.missing || []).map(function (d) { return vm.t["dev." + d] || d }).join(", ")
        color: theme.muted
    }
    // Staff (the technician at night, the platform down too): this button, or the staff
    // card laid on the reader, opens sign-in whenever someone could sign in.
    Row {
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        visible: v.staff_possible
        Label { objectName: "oosStaffHint"; anchors.verticalCenter: parent.verticalCenter
                text: vm.t.oos_staff_hint; color: theme.muted; font.pixelSize: theme.small }
        Btn {
            objectName: "oosStaff"
            text: vm.t.staff
            onClicked: vm.send("open_staff_sign_in", [])
        }
    }
}
