import QtQuick
import ".."

// What the kiosk offers and what works right now; language, larger text, contrast, speech.
// Staff sign in through the small corner entry, not a tile: a citizen looking for help
// took the "staff" tile for it (the frame's 帮助 is theirs).
Item {
    readonly property var s: vm.state
    function cap(name) {
        for (var i = 0; i < s.capabilities.length; i++)
            if (s.capabilities[i].name === name) return s.capabilities[i]
        return { available: true, instead: "" }
    }
    Grid {
        id: tiles
        anchors { left: parent.left; right: parent.right; top: parent.top }
        columns: theme.portrait ? 1 : 3
        spacing: theme.margin
        Repeater {
            model: [
                { intent: "start_filing", cap: "file", title: vm.t.file, sub: vm.t.file_sub },
                { intent: "open_progress", cap: "progress", title: vm.t.progress, sub: vm.t.progress_sub },
                { intent: "open_ticket", cap: "ticket", title: vm.t.ticket, sub: vm.t.ticket_sub }
            ]
            delegate: Rectangle {
                objectName: "tile_" + modelData.cap
                readonly property var c: cap(modelData.cap)
                readonly property color ink: !c.available ? theme.muted : modelData.cap === "file" ? theme.inkOnAccent : theme.accent
                readonly property color subInk: modelData.cap === "file" ? theme.inkOnAccent : theme.muted
                width: (tiles.width - (tiles.columns - 1) * tiles.spacing) / tiles.columns
                height: Math.max(theme.touch * 2.4, tcol.implicitHeight + theme.margin * 2)
                radius: 16
                color: c.available ? (modelData.cap === "file" ? theme.accent : theme.panel) : theme.bg
                border.color: c.available ? theme.accent : theme.disabled
                border.width: 3
                Column {
                    id: tcol
                    anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; margins: theme.margin }
                    spacing: theme.gap / 2
                    // Three across in landscape: a long title shrinks to one line rather
                    // than make its tile taller than the others.
                    Label { width: parent.width; text: modelData.title; font.pixelSize: theme.huge; font.bold: true
                            color: tcol.parent.ink
                            wrapMode: theme.portrait ? Text.WordWrap : Text.NoWrap
                            fontSizeMode: theme.portrait ? Text.FixedSize : Text.HorizontalFit
                            minimumPixelSize: theme.title }
                    Label { width: parent.width; visible: c.available && modelData.sub !== ""; text: modelData.sub
                            color: tcol.parent.subInk }
                    Label { width: parent.width; visible: !c.available; text: vm.t.unavailable + " — " + c.instead; color: theme.bad }
                }
                MouseArea { anchors.fill: parent; onClicked: vm.send(modelData.intent, []) }
            }
        }
    }

    // What else is down, in words a citizen can act on (e.g. no printer: photograph the
    // receipt on screen). The tiles above already say whether they can be used.
    Column {
        id: notices
        anchors { left: parent.left; right: parent.right; top: tiles.bottom; topMargin: theme.margin }
        spacing: theme.gap / 2
        Repeater {
            model: s.capabilities.filter(function (c) {
                return !c.available && ["identify", "scan", "print"].indexOf(c.name) >= 0 })
            delegate: Label {
                objectName: "notice_" + modelData.name
                width: notices.width
                wrapMode: Text.WordWrap
                text: "⚠ " + modelData.label + ": " + modelData.instead
                color: theme.warn
            }
        }
    }

    Flow {
        id: settingsRow
        anchors { left: parent.left; right: parent.right; bottom: hotline.top; bottomMargin: theme.margin }
        spacing: theme.gap
        Btn { objectName: "largeText"; text: vm.t.large_text + (s.large_text ? " ✓" : ""); primary: s.large_text
              onClicked: vm.send("set_large_text", [!s.large_text]) }
        Btn { objectName: "highContrast"; text: vm.t.high_contrast + (s.high_contrast ? " ✓" : ""); primary: s.high_contrast
              onClicked: vm.send("set_high_contrast", [!s.high_contrast]) }
        Btn { objectName: "speech"; text: vm.t.speech + (s.speech ? " ✓" : ""); primary: s.speech
              onClicked: vm.send("set_speech", [!s.speech]) }
    }
    Label {
        id: hotline
        anchors { left: parent.left; right: staffEntry.left; rightMargin: theme.gap; bottom: parent.bottom }
        text: vm.t.hotline + "  ☎ " + (s.view.hotline || "")
        font.pixelSize: theme.title
        color: theme.muted
    }
    // Discreet, labelled, in the corner: still a full-size touch target.
    Btn {
        id: staffEntry
        objectName: "staffEntry"
        anchors { right: parent.right; bottom: parent.bottom }
        text: vm.t.staff_entry
        color: theme.bg
        border.color: theme.line
        border.width: 1
        label.font.pixelSize: theme.small
        label.color: theme.muted
        onClicked: vm.send("open_staff_sign_in", [])
    }
}
