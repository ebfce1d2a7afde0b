import QtQuick

// A touch target: never smaller than theme.touch (≥ 15 mm) either way.
Rectangle {
    id: btn
    property alias text: label.text
    property bool primary: false
    property bool danger: false
    property bool big: false
    property bool enabledLook: enabled
    property alias label: label
    signal clicked()
    implicitWidth: Math.max(theme.touch * (big ? 3 : 1.6), label.implicitWidth + theme.gap * 4)
    implicitHeight: Math.max(theme.touch * (big ? 1.4 : 1), label.implicitHeight + theme.gap * 2)
    radius: 10
    color: !enabled ? theme.disabled : primary ? theme.accent : danger ? theme.dangerBg : theme.panel
    border.color: !enabled ? theme.disabled : danger ? theme.bad : theme.accent
    border.width: theme.hc ? 3 : 2
    opacity: area.pressed ? 0.7 : 1
    Accessible.role: Accessible.Button
    Accessible.name: label.text
    Text {
        id: label
        anchors.centerIn: parent
        width: Math.min(implicitWidth, btn.width - theme.gap * 2)
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        font.pixelSize: btn.big ? theme.title : theme.font
        font.family: theme.family
        font.bold: btn.primary || btn.big
        color: !btn.enabled ? theme.disabledInk : btn.primary ? theme.inkOnAccent : btn.danger ? theme.bad : theme.accent
    }
    MouseArea { id: area; anchors.fill: parent; onClicked: btn.clicked() }
}
