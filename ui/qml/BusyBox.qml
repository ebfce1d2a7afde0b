import QtQuick

// The kiosk is waiting (a chip, the platform, the printer): a turning ring says it is not
// stuck, and where the wait may be stopped, "stop waiting" does so at once (the flow's
// `back` while busy: the job is abandoned and its late result dropped by its token).
Rectangle {
    id: veil
    objectName: "busy"
    readonly property var s: vm.state
    visible: s.busy !== ""
    color: theme.veil
    MouseArea { anchors.fill: parent }  // nothing behind it is touched meanwhile
    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width * 0.8, Math.max(busyCol.implicitWidth, theme.touch * 6) + theme.margin * 2)
        height: busyCol.implicitHeight + theme.margin * 2
        radius: 12
        color: theme.panel
        border.color: theme.line
        border.width: theme.hc ? 3 : 1
        Column {
            id: busyCol
            anchors.centerIn: parent
            width: parent.width - theme.margin * 2
            spacing: theme.margin
            Item {  // the ring: twelve dots, the bright one going round
                id: spinner
                objectName: "busySpinner"
                readonly property bool spinning: turn.running
                anchors.horizontalCenter: parent.horizontalCenter
                width: theme.touch * 1.4; height: width
                Repeater {
                    model: 12
                    Rectangle {
                        readonly property real a: index * Math.PI / 6
                        width: spinner.width * 0.16; height: width; radius: width / 2
                        x: spinner.width / 2 + Math.sin(a) * spinner.width * 0.4 - width / 2
                        y: spinner.height / 2 - Math.cos(a) * spinner.height * 0.4 - height / 2
                        color: theme.accent
                        opacity: 0.15 + 0.85 * index / 11
                    }
                }
                RotationAnimation on rotation {
                    id: turn
                    running: veil.visible
                    from: 0; to: 360; duration: 1200; loops: Animation.Infinite
                }
            }
            Label { id: busyText; objectName: "busyText"; width: parent.width
                    horizontalAlignment: Text.AlignHCenter; wrapMode: Text.WordWrap
                    text: veil.s.busy_text || ""; font.pixelSize: theme.title }
            Btn { objectName: "busyStop"; visible: veil.s.busy_stoppable === true
                  anchors.horizontalCenter: parent.horizontalCenter
                  text: "✕ " + vm.t.stop_waiting; onClicked: vm.send("back", []) }
        }
    }
}
