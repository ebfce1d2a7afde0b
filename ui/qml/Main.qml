import QtQuick
import QtQuick.Window
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// The kiosk's one window: header (title, language, back / cancel), the current screen,
// the flow's message, the busy veil, the idle warning and the virtual keyboard.
Window {
    id: root
    width: vm.ui.width
    height: vm.ui.height
    visible: true
    title: vm.t.app_title
    color: theme.bg

    readonly property var s: vm.state
    readonly property var v: s.view || ({})
    // The visit got what it came for (a receipt, a ticket): the only way on is "Finish".
    readonly property bool done: s.screen === "receipt" || (s.screen === "ticket" && !!v.ticket)
    readonly property bool inVisit: s.screen !== "attract" && s.screen !== "out_of_service"

    QtObject {
        id: theme
        readonly property bool hc: root.s.high_contrast === true
        readonly property real scale: root.s.large_text === true ? 1.3 : 1.0
        // The colours live in ui/theme.py (one palette per theme), where the contrast
        // test reads them too.
        readonly property var p: hc ? palettes.hc : palettes.normal
        readonly property color bg: p.bg
        readonly property color panel: p.panel
        readonly property color fg: p.fg
        readonly property color muted: p.muted
        readonly property color accent: p.accent
        readonly property color inkOnAccent: p.inkOnAccent
        readonly property color ok: p.ok
        readonly property color warn: p.warn
        readonly property color bad: p.bad
        readonly property color line: p.line
        readonly property color inputLine: p.inputLine
        readonly property color disabled: p.disabled
        readonly property color disabledInk: p.disabledInk
        readonly property color header: p.header
        readonly property color headerInk: p.headerInk
        readonly property color dangerBg: p.dangerBg
        readonly property color inkOnOk: p.inkOnOk
        readonly property color inkOnWarn: p.inkOnWarn
        readonly property color infoBg: p.infoBg
        readonly property color warningBg: p.warningBg
        readonly property color errorBg: p.errorBg
        readonly property color stage: p.stage
        readonly property color veil: p.veil
        readonly property int touch: vm.ui.touch
        readonly property int font: Math.round(vm.ui.font * scale)
        readonly property int small: Math.round(vm.ui.small * scale)
        readonly property int title: Math.round(vm.ui.title * scale)
        readonly property int huge: Math.round(vm.ui.huge * scale)
        readonly property int gap: vm.ui.gap
        readonly property int margin: vm.ui.margin
        readonly property bool portrait: vm.ui.portrait
        readonly property string family: "WenQuanYi Micro Hei"
    }

    function send(name, args) { return vm.send(name, args || []) }

    Item {
        id: page
        anchors.fill: parent
        anchors.bottomMargin: keyboard.active ? keyboard.height : 0

        Rectangle {
            id: header
            anchors { left: parent.left; right: parent.right; top: parent.top }
            height: theme.touch + theme.gap * 2
            color: theme.header
            border.color: theme.line
            border.width: theme.hc ? 2 : 0
            Row {
                anchors { left: parent.left; leftMargin: theme.margin; verticalCenter: parent.verticalCenter }
                spacing: theme.gap
                Btn {
                    id: backButton
                    objectName: "back"
                    visible: root.inVisit && !root.done
                    text: "‹ " + vm.t.back
                    onClicked: send("back")
                }
                Label {
                    anchors.verticalCenter: parent.verticalCenter
                    text: vm.t.app_title
                    color: theme.headerInk
                    font.pixelSize: theme.font
                    font.bold: true
                    visible: root.s.screen === "attract" || root.s.screen === "out_of_service"
                             || !theme.portrait
                }
            }
            Row {
                anchors { right: parent.right; rightMargin: theme.margin; verticalCenter: parent.verticalCenter }
                spacing: theme.gap
                Btn {
                    objectName: "language"
                    text: vm.t.language
                    onClicked: send("set_language", [root.s.lang === "zh" ? "en" : "zh"])
                }
                Btn {
                    objectName: "cancel"
                    visible: root.inVisit && !root.done
                    text: "✕ " + vm.t.cancel
                    danger: true
                    onClicked: send("cancel")
                }
            }
        }

        Label {
            id: instruction
            anchors { left: parent.left; right: parent.right; top: header.bottom; margins: theme.margin }
            text: root.s.instruction || ""
            font.pixelSize: theme.title
            font.bold: true
            wrapMode: Text.WordWrap
        }

        Rectangle {
            id: messageBar
            objectName: "message"
            anchors { left: parent.left; right: parent.right; top: instruction.bottom; margins: theme.margin; topMargin: theme.gap }
            visible: !!root.s.message
            height: visible ? messageText.implicitHeight + theme.gap * 2 : 0
            radius: 8
            color: root.s.message && root.s.message.level === "error" ? theme.errorBg
                   : root.s.message && root.s.message.level === "warning" ? theme.warningBg : theme.infoBg
            border.color: root.s.message && root.s.message.level === "error" ? theme.bad
                          : root.s.message && root.s.message.level === "warning" ? theme.warn : theme.accent
            border.width: 2
            Label {
                id: messageText
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; margins: theme.gap }
                text: root.s.message ? root.s.message.text : ""
                wrapMode: Text.WordWrap
            }
        }

        Loader {
            id: screenLoader
            objectName: "screen"
            anchors { left: parent.left; right: parent.right; top: messageBar.visible ? messageBar.bottom : instruction.bottom;
                      bottom: parent.bottom; margins: theme.margin; topMargin: theme.gap }
            source: "screens/" + root.s.screen + ".qml"
        }
    }

    // Any touch counts as activity: the idle clock restarts.
    MouseArea {
        anchors.fill: parent
        propagateComposedEvents: true
        onPressed: (mouse) => { vm.intent("touch"); mouse.accepted = false }
    }

    BusyBox { id: busyVeil; anchors.fill: parent }  // BusyBox.qml: the ring, "stop waiting"

    // "Leave this application?": the flow asks (state.confirm_leave) before anything the
    // citizen gave is erased. "Continue" is the big, safe default; leaving is spelt out.
    Rectangle {
        id: leaveQuestion
        objectName: "leaveQuestion"
        anchors.fill: parent
        visible: root.s.confirm_leave === true
        color: theme.veil
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width * 0.86, theme.touch * 15)
            height: leaveCol.implicitHeight + theme.margin * 2
            radius: 16
            color: theme.panel
            border.color: theme.bad
            border.width: 4
            Column {
                id: leaveCol
                anchors.centerIn: parent
                width: parent.width - theme.margin * 2
                spacing: theme.margin
                Label { objectName: "leaveTitle"; width: parent.width; text: vm.t.leave_title
                        font.pixelSize: theme.huge; font.bold: true; horizontalAlignment: Text.AlignHCenter }
                Label { width: parent.width; text: vm.t.leave_body; font.pixelSize: theme.title
                        horizontalAlignment: Text.AlignHCenter }
                Btn { objectName: "leaveContinue"; width: parent.width; primary: true; big: true
                      text: vm.t.leave_continue; onClicked: send("leave_declined") }
                Btn { objectName: "leaveErase"; width: parent.width; danger: true
                      text: vm.t.leave_erase; onClicked: send("leave_confirmed") }
            }
        }
    }

    Rectangle {
        id: warning
        objectName: "idleWarning"
        anchors.fill: parent
        visible: root.s.warning_left_s >= 0
        color: theme.veil
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width * 0.8, theme.touch * 14)
            height: col.implicitHeight + theme.margin * 2
            radius: 16
            color: theme.panel
            border.color: theme.warn
            border.width: 4
            Column {
                id: col
                anchors.centerIn: parent
                width: parent.width - theme.margin * 2
                spacing: theme.margin
                Label { width: parent.width; text: vm.t.more_time_title; font.pixelSize: theme.huge; font.bold: true; horizontalAlignment: Text.AlignHCenter }
                Label { width: parent.width; text: root.s.warning_text; font.pixelSize: theme.title; wrapMode: Text.WordWrap; horizontalAlignment: Text.AlignHCenter }
                Btn { objectName: "moreTime"; anchors.horizontalCenter: parent.horizontalCenter; primary: true; big: true
                      text: root.s.more_time_button; onClicked: send("more_time") }
                Btn { objectName: "idleLeave"; anchors.horizontalCenter: parent.horizontalCenter
                      text: root.done ? vm.t.finish : vm.t.cancel
                      onClicked: send(root.done ? "finish" : "cancel") }
            }
        }
    }

    InputPanel {
        id: keyboard
        objectName: "keyboard"
        y: active ? root.height - height : root.height
        anchors.left: parent.left
        anchors.right: parent.right
        visible: active
        Component.onCompleted: {
            VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
            VirtualKeyboardSettings.locale = root.s.lang === "en" ? "en_US" : "zh_CN"
        }
    }

    Connections {
        target: vm
        function onStateChanged() {
            VirtualKeyboardSettings.locale = root.s.lang === "en" ? "en_US" : "zh_CN"
        }
    }
}
