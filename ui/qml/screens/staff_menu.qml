import QtQuick
import ".."

// What the signed-in member may do; an offline sign-in says so (maintenance only).
Column {
    readonly property var v: vm.state.view
    spacing: theme.margin
    Label { objectName: "staffWho"; font.pixelSize: theme.title; font.bold: true
            text: v.name || (v.via === "local" ? vm.t.local_technician : vm.t.staff_id + " " + v.staff_id) }
    Rectangle {
        objectName: "offlineBadge"
        visible: v.via !== "platform"
        width: menuBadge.implicitWidth + theme.gap * 2; height: menuBadge.implicitHeight + theme.gap
        radius: 8; color: theme.warningBg; border.color: theme.warn; border.width: 2
        Label { id: menuBadge; anchors.centerIn: parent; text: vm.t.offline_sign_in; font.bold: true }
    }
    Btn { objectName: "staffAssist"; visible: v.can_assist; text: vm.t.staff_assist; big: true; primary: true
          onClicked: vm.send("staff_assist", []) }
    Btn { objectName: "staffMaintain"; visible: v.can_maintain; text: vm.t.staff_maintain; big: true
          primary: !v.can_assist
          onClicked: vm.send("staff_maintain", []) }
}
