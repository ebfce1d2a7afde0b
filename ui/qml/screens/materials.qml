import QtQuick
import ".."

// The checklist: scan each material; optional ones may be skipped.
Item {
    id: scr
    readonly property var v: vm.state.view
    Label { id: head; text: scr.v.service; color: theme.muted }
    ListView {
        id: list
        anchors { left: parent.left; right: parent.right; top: head.bottom; bottom: whyNot.visible ? whyNot.top : actions.top
                  topMargin: theme.gap; bottomMargin: theme.gap }
        spacing: theme.gap
        clip: true
        model: scr.v.items
        delegate: Panel {
            objectName: "material_" + modelData.code
            width: list.width
            height: Math.max(theme.touch * 1.5, mrow.implicitHeight + theme.gap * 2)
            border.color: modelData.pages > 0 ? theme.ok : modelData.required ? theme.accent : theme.line
            border.width: 2
            Column {
                id: mrow
                anchors { left: parent.left; right: buttons.left; verticalCenter: parent.verticalCenter; margins: theme.margin }
                Label { width: parent.width; text: (modelData.pages > 0 ? "✓ " : modelData.skipped ? "– " : "○ ") + modelData.name; font.bold: true }
                Label { width: parent.width; font.pixelSize: theme.small; color: theme.muted
                        text: (modelData.required ? vm.t.required : vm.t.optional) + " · " + modelData.pages + " " + (modelData.pages === 1 ? vm.t.page_one : vm.t.pages)
                              + (modelData.skipped ? " · " + vm.t.skipped : "") }
            }
            Row {
                id: buttons
                anchors { right: parent.right; verticalCenter: parent.verticalCenter; margins: theme.margin }
                spacing: theme.gap
                Btn { objectName: "skip_" + modelData.code
                      visible: !modelData.required && modelData.pages === 0 && !modelData.skipped; text: vm.t.skip
                      onClicked: vm.send("skip_material", [modelData.code]) }
                Btn { objectName: "scan_" + modelData.code; text: vm.t.scan; primary: modelData.pages === 0
                      onClicked: vm.send("open_material", [modelData.code]) }
            }
        }
    }
    Btn {
        id: actions
        objectName: "materialsDone"
        anchors { right: parent.right; bottom: parent.bottom }
        text: vm.t.materials_done + " ›"; primary: true; big: true; enabled: scr.v.can_continue
        onClicked: vm.send("materials_done", [])
    }
    // Greyed out "continue" says what it waits for, beside it.
    Label {
        id: whyNot
        objectName: "whyNot"
        visible: !scr.v.can_continue && scr.v.missing.length > 0
        // Just above the button, right-aligned: beside it there is no room in portrait or
        // in large text; the list above ends where this begins.
        anchors { right: parent.right; left: parent.left; bottom: actions.top; bottomMargin: theme.gap }
        horizontalAlignment: Text.AlignRight
        wrapMode: Text.WordWrap
        color: theme.bad
        text: vm.t.still_needed.replace("{items}", scr.v.missing.join(vm.state.lang === "zh" ? "、" : ", "))
    }
    MoreBelow { flick: list; anchors.fill: list }
}
