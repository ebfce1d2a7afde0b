import QtQuick
import ".."

// The timeline; when materials are asked for, add them here.
Item {
    id: scr
    readonly property var v: vm.state.view
    function st(s) { return vm.t["ps." + s] || s }
    // RFC 3339 from the platform: the date and the minute are what a citizen reads.
    function when(at) { return at ? String(at).substring(0, 16).replace("T", " ") : "" }
    Column {
        id: head
        width: parent.width
        spacing: theme.gap
        Label { width: parent.width; text: (scr.v.service || "") + (theme.portrait ? "\n" : "  ") + scr.v.tracking_no; font.pixelSize: theme.title; font.bold: true }
        Label { objectName: "status"; width: parent.width; text: vm.t.status + ": " + scr.st(scr.v.status)
                + (scr.v.promised_by ? "   " + vm.t.promised_by + ": " + scr.v.promised_by : ""); font.bold: true
                color: scr.v.status === "needs_materials" ? theme.warn : theme.fg }
    }
    ListView {
        id: timeline
        anchors { left: parent.left; right: parent.right; top: head.bottom; bottom: actions.top; margins: theme.gap }
        clip: true
        spacing: theme.gap
        model: scr.v.timeline
        header: Label { text: vm.t.timeline; color: theme.accent; font.bold: true; height: implicitHeight + theme.gap }
        footer: Column {
            width: parent ? parent.width : 0
            topPadding: theme.margin
            spacing: theme.gap / 2
            visible: scr.v.missing.length > 0
            Label { text: vm.t.missing_materials; color: theme.warn; font.bold: true }
            Repeater { model: scr.v.missing; Label { text: "• " + modelData.name } }
        }
        delegate: Row {
            spacing: theme.margin
            Rectangle { width: theme.gap * 2; height: width; radius: width / 2; color: theme.accent; anchors.verticalCenter: parent.verticalCenter }
            Label { text: scr.when(modelData.at); color: theme.muted }
            // The platform's note, unless it only repeats the status word.
            Label { text: scr.st(modelData.status) + (modelData.note && modelData.note !== scr.st(modelData.status) ? " — " + modelData.note : ""); font.bold: true }
        }
    }
    Row {
        id: actions
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { objectName: "supplement"; visible: scr.v.can_supplement; text: vm.t.add_materials; primary: true; big: true
              onClicked: vm.send("start_supplement", []) }
        Btn { text: vm.t.finish; big: true; onClicked: vm.send("finish", []) }
    }
    MoreBelow { flick: timeline; anchors.fill: timeline }
}
