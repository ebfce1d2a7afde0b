import QtQuick
import ".."

// Staff card, then a 6-digit PIN on a pad (no keyboard: digits only, shown as dots). With
// the platform unreachable only maintenance staff sign in (offline), and the screen says so.
Item {
    id: scr
    readonly property var v: vm.state.view
    property string pin: ""
    Column {
        anchors.horizontalCenter: parent.horizontalCenter
        spacing: theme.margin
        width: Math.min(parent.width, theme.touch * 12)
        Label { width: parent.width; text: scr.v.card_read ? vm.t.card_read : vm.t.staff_card; font.pixelSize: theme.title }
        // The platform is unreachable: say before the PIN who can still sign in.
        Rectangle {
            objectName: "signInOffline"
            visible: scr.v.offline
            width: parent.width; height: offlineNote.implicitHeight + theme.gap * 2
            radius: 8; color: theme.warningBg; border.color: theme.warn; border.width: 2
            Label { id: offlineNote; anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter
                                               margins: theme.gap }
                    text: vm.t.sign_in_offline_note; font.bold: true }
        }
        Btn { visible: !scr.v.card_read; objectName: "readCard"; text: vm.t.read_card; primary: true; big: true
              onClicked: vm.send("read_staff_card", []) }
        Row {
            visible: scr.v.card_read
            spacing: theme.gap
            Repeater { model: 6
                Rectangle { width: theme.touch * 0.6; height: width; radius: width / 2
                            color: index < scr.pin.length ? theme.accent : "transparent"; border.color: theme.accent; border.width: 3 } }
        }
        Grid {
            visible: scr.v.card_read
            columns: 3
            spacing: theme.gap
            Repeater {
                model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "OK"]
                Btn {
                    objectName: "pin_" + modelData
                    width: theme.touch * 1.8; height: theme.touch * 1.2; big: modelData !== "C" && modelData !== "OK"  // 确定 in digit size would wrap
                    text: modelData === "C" ? vm.t.clear : modelData === "OK" ? vm.t.pin_ok : modelData
                    primary: modelData === "OK"
                    enabled: modelData !== "OK" || scr.pin.length === 6
                    onClicked: {
                        if (modelData === "C") scr.pin = ""
                        else if (modelData === "OK") { vm.send("pin_entered", [scr.pin]); scr.pin = "" }
                        else if (scr.pin.length < 6) scr.pin += modelData
                    }
                }
            }
        }
        Label { visible: scr.v.card_read; text: vm.t.attempts_left + ": " + scr.v.attempts_left; color: theme.muted }
    }
}
