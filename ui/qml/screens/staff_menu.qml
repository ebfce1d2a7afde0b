import QtQuick
import ".."

Column {
    readonly property var v: vm.state.view
    spacing: theme.margin
    Label { text: v.name; font.pixelSize: theme.title; font.bold: true }
    Btn { objectName: "staffAssist"; visible: v.can_assist; text: vm.t.staff_assist; big: true; primary: true
          onClicked: vm.send("staff_assist", []) }
    Btn { objectName: "staffMaintain"; visible: v.can_maintain; text: vm.t.staff_maintain; big: true
          onClicked: vm.send("staff_maintain", []) }
}
