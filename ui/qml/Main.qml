import QtQuick
import QtQuick.Window
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

// The kiosk's one window: header (back, home, title, help, language), the frame of a
// visit (its steps, larger text, speech, the hotline; the staff call while one is open),
// the current screen, the flow's message, the help overlay, the busy veil, the idle
// warning and the virtual keyboard. A new screen gets the frame for free.
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
    // The help overlay is the screen's own business (it changes nothing in the visit).
    property bool helpOpen: false
    readonly property bool staffCalled: !!s.staff_call
    // Only the citizen's own call (帮助) is theirs to cancel; one the flow made (a face
    // check that did not succeed) waits for the staff member.
    readonly property bool callCancellable: s.staff_call === "help"

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
        readonly property color stageInk: p.stageInk
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

    // Larger text and speech, on every screen of a visit (the home screen has its own).
    component Toggles: Row {
        spacing: theme.gap
        Btn { objectName: "frameLargeText"; text: vm.t.large_text + (root.s.large_text ? " ✓" : "")
              primary: root.s.large_text === true
              onClicked: send("set_large_text", [!root.s.large_text]) }
        Btn { objectName: "frameSpeech"; text: vm.t.speech + (root.s.speech ? " ✓" : "")
              primary: root.s.speech === true
              onClicked: send("set_speech", [!root.s.speech]) }
    }

    // A finished visit leaves no help open for the next citizen.
    Connections {
        target: vm
        function onVisitEnded() { root.helpOpen = false }
    }

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
                // "Home" leaves the visit through the flow's cancel, which asks first
                // when there is something to lose (kiosk/flow/leaving.py). Its name stays
                // "cancel": that is the intent it sends.
                Btn {
                    objectName: "cancel"
                    visible: root.inVisit && !root.done
                    text: "⌂ " + vm.t.home
                    onClicked: send("cancel")
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
                Toggles { visible: root.inVisit && !theme.portrait }
                Btn {
                    objectName: "help"
                    visible: root.inVisit
                    text: "? " + vm.t.help
                    onClicked: root.helpOpen = true
                }
                Btn {
                    objectName: "language"
                    text: vm.t.language
                    onClicked: send("set_language", [root.s.lang === "zh" ? "en" : "zh"])
                }
            }
        }

        // The visit's frame: where the citizen is (step N of M, the steps' names), and in
        // portrait the larger-text and speech toggles; the hotline on every screen. It
        // makes room while the keyboard is up (the header keeps help and 首页).
        Rectangle {
            id: frameBar
            objectName: "frame"
            anchors { left: parent.left; right: parent.right; top: header.bottom }
            visible: root.inVisit && !keyboard.active
            height: visible ? frameCol.implicitHeight + theme.gap * 2 : 0
            color: theme.panel
            border.color: theme.line
            border.width: theme.hc ? 2 : 0
            Rectangle { anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
                        height: 1; color: theme.line }
            Column {
                id: frameCol
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter
                          leftMargin: theme.margin; rightMargin: theme.margin }
                spacing: theme.gap / 2
                Item {
                    width: parent.width
                    height: Math.max(stepBox.implicitHeight, hotlineText.implicitHeight)
                    Row {
                        id: stepBox
                        objectName: "stepIndicator"
                        visible: root.s.step > 0
                        anchors { left: parent.left; verticalCenter: parent.verticalCenter }
                        spacing: theme.gap
                        Label { id: stepText; objectName: "stepText"; text: root.s.step_text || ""
                                font.bold: true; color: theme.accent; wrapMode: Text.NoWrap
                                anchors.verticalCenter: parent.verticalCenter }
                        // Only the current step's name when all of them do not fit.
                        Label { objectName: "stepName"; visible: !stepNames.visible
                                text: (root.s.steps || [])[root.s.step - 1] || ""
                                font.bold: true; wrapMode: Text.NoWrap
                                anchors.verticalCenter: parent.verticalCenter }
                        Row {
                            id: stepNames
                            objectName: "stepNames"
                            visible: stepText.implicitWidth + implicitWidth + theme.gap
                                     + (hotlineText.visible ? hotlineText.implicitWidth + theme.gap : 0)
                                     <= frameCol.width
                            anchors.verticalCenter: parent.verticalCenter
                            spacing: theme.gap / 2
                            Repeater {
                                model: root.s.steps || []
                                delegate: Row {
                                    readonly property int n: index + 1
                                    spacing: theme.gap / 2
                                    Label {
                                        objectName: "step_" + index
                                        text: (n < root.s.step ? "✓ " : "") + modelData
                                        wrapMode: Text.NoWrap
                                        font.pixelSize: theme.portrait ? theme.small : theme.font
                                        font.bold: n === root.s.step
                                        font.underline: n === root.s.step
                                        color: n === root.s.step ? theme.fg : theme.muted
                                    }
                                    Label { visible: n < root.s.steps.length; text: "›"; color: theme.muted
                                            font.pixelSize: theme.portrait ? theme.small : theme.font; wrapMode: Text.NoWrap }
                                }
                            }
                        }
                    }
                    Label {
                        id: hotlineText
                        objectName: "frameHotline"
                        anchors { right: parent.right; verticalCenter: parent.verticalCenter }
                        visible: !!root.s.hotline && (!theme.portrait || root.s.step === 0)
                        text: vm.t.hotline + " ☎ " + root.s.hotline
                        font.pixelSize: theme.small
                        color: theme.muted
                        wrapMode: Text.NoWrap
                    }
                }
                Item {
                    visible: theme.portrait
                    width: parent.width
                    height: visible ? portraitToggles.implicitHeight : 0
                    Toggles { id: portraitToggles; anchors.left: parent.left }
                    Label {
                        anchors { right: parent.right; verticalCenter: parent.verticalCenter }
                        visible: !!root.s.hotline && root.s.step > 0
                        text: vm.t.hotline + " ☎ " + root.s.hotline
                        font.pixelSize: theme.small
                        color: theme.muted
                        wrapMode: Text.NoWrap
                    }
                }
            }
        }

        // A call for staff is open (from the help overlay): said on every screen until a
        // staff member comes, the visit ends or the citizen cancels it.
        Rectangle {
            id: staffCallBar
            objectName: "staffCallBanner"
            anchors { left: parent.left; right: parent.right; top: frameBar.bottom }
            visible: root.inVisit && root.staffCalled
            height: visible ? theme.touch + theme.gap * 2 : 0
            color: theme.warningBg
            border.color: theme.warn
            border.width: 2
            Label {
                anchors { left: parent.left; leftMargin: theme.margin; verticalCenter: parent.verticalCenter
                          right: bannerCancel.left; rightMargin: theme.gap }
                text: "☎ " + vm.t.staff_called
                font.bold: true
            }
            Btn {
                id: bannerCancel
                objectName: "bannerCancelCall"
                visible: root.callCancellable
                anchors { right: parent.right; rightMargin: theme.margin; verticalCenter: parent.verticalCenter }
                text: vm.t.cancel_call
                onClicked: send("cancel_staff_call")
            }
        }

        Label {
            id: instruction
            anchors { left: parent.left; right: parent.right; top: staffCallBar.bottom; margins: theme.margin }
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

    // 帮助: what this screen needs (words and a picture), the hotline, and calling staff.
    // The primary button (close) sits bottom-right as on every screen.
    Rectangle {
        id: helpOverlay
        objectName: "helpOverlay"
        anchors.fill: parent
        anchors.bottomMargin: keyboard.active ? keyboard.height : 0
        visible: root.helpOpen && root.inVisit
        color: theme.veil
        MouseArea { anchors.fill: parent }
        Rectangle {
            anchors.centerIn: parent
            width: Math.min(parent.width - theme.margin * 2, theme.touch * 18)
            height: Math.min(parent.height - theme.margin * 2, helpCol.implicitHeight + theme.margin * 2)
            radius: 16
            color: theme.panel
            border.color: theme.accent
            border.width: 4
            Flickable {
                anchors { fill: parent; margins: theme.margin }
                contentHeight: helpCol.implicitHeight
                clip: true
                Column {
                    id: helpCol
                    width: parent.width
                    spacing: theme.margin
                    Label { objectName: "helpTitle"; width: parent.width; text: vm.t.help_title
                            font.pixelSize: theme.title; font.bold: true }
                    Item {
                        width: parent.width
                        height: helpPicture.height
                        HelpPicture {
                            id: helpPicture
                            topic: root.s.help_topic || "default"
                            height: Math.round(theme.touch * 4)
                            width: Math.min(parent.width, height * 1.6)
                            anchors.horizontalCenter: parent.horizontalCenter
                        }
                    }
                    Label { objectName: "helpText"; width: parent.width; text: root.s.help_text || ""
                            font.pixelSize: theme.font }
                    Rectangle { width: parent.width; height: 1; color: theme.line }
                    Label { objectName: "helpHotline"; width: parent.width; visible: !!root.s.hotline
                            text: vm.t.hotline + "  ☎ " + root.s.hotline; color: theme.muted }
                    // Calling staff: a button until called, then "staff are told" and a cancel.
                    Label { width: parent.width; visible: !root.staffCalled; text: vm.t.call_staff_sub
                            color: theme.muted }
                    Btn { objectName: "callStaff"; visible: !root.staffCalled && !root.s.staff_signed_in
                          text: vm.t.call_staff; onClicked: send("call_staff") }
                    Label { objectName: "staffCalled"; width: parent.width; visible: root.staffCalled
                            text: "☎ " + vm.t.staff_called; font.bold: true; color: theme.warn
                            font.pixelSize: theme.title }
                    Btn { objectName: "cancelStaffCall"; visible: root.staffCalled && root.callCancellable
                          text: vm.t.cancel_call; onClicked: send("cancel_staff_call") }
                    Item {
                        width: parent.width
                        height: helpClose.height
                        Btn { id: helpClose; objectName: "helpClose"; anchors.right: parent.right
                              primary: true; big: true; text: vm.t.help_close
                              onClicked: root.helpOpen = false }
                    }
                }
            }
        }
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
