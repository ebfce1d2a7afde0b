import QtQuick

// A text box that opens the virtual keyboard; `edited(text)` on every change. A read-only
// one (taken from the document) looks flat, takes no focus and opens no keyboard.
Rectangle {
    id: field
    property alias text: input.text
    property alias input: input
    property string placeholder: ""
    property bool bad: false
    property int hints: Qt.ImhNone
    property int maxLength: 200
    property bool readOnly: false
    signal edited(string text)
    signal accepted()
    implicitHeight: Math.max(theme.touch, input.implicitHeight + theme.gap * 2)
    implicitWidth: theme.touch * 6
    radius: 8
    color: readOnly ? theme.bg : theme.panel
    border.color: bad ? theme.bad : input.activeFocus ? theme.accent : theme.inputLine
    border.width: input.activeFocus || bad ? 3 : 2
    TextInput {
        id: input
        anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; margins: theme.gap }
        font.pixelSize: theme.font
        font.family: theme.family
        color: theme.fg
        clip: true
        maximumLength: field.maxLength
        readOnly: field.readOnly
        activeFocusOnPress: !field.readOnly
        inputMethodHints: field.hints
        onTextEdited: field.edited(text)
        onAccepted: field.accepted()
    }
    Text {
        anchors.fill: input
        visible: input.text === "" && !input.activeFocus
        text: field.placeholder
        color: theme.muted
        font: input.font
        elide: Text.ElideRight
        verticalAlignment: Text.AlignVCenter
    }
    MouseArea { anchors.fill: parent; enabled: !field.readOnly
                onClicked: { input.forceActiveFocus(); Qt.inputMethod.show() } }
}
