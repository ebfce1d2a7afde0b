import QtQuick
import ".."

// One material: the live preview with the detected outline and the quality message while
// auto-capture is armed; then the captured page to check, retake, add a page, done.
Item {
    id: scr
    readonly property var v: vm.state.view
    property int frame: 0
    Timer { interval: 120; repeat: true; running: scr.v.awaiting_page; onTriggered: scr.frame++ }
    Label { id: head; width: parent.width; text: scr.v.material.name + "  (" + scr.v.pages + " " + (scr.v.pages === 1 ? vm.t.page_one : vm.t.pages) + ")"; font.pixelSize: theme.title; font.bold: true }
    Rectangle {
        id: stage
        anchors { left: parent.left; top: head.bottom; topMargin: theme.gap }
        width: theme.portrait ? parent.width : parent.width * 0.62
        height: theme.portrait ? parent.height * 0.5 : parent.height - head.height - theme.gap
        color: theme.stage
        radius: 8
        Image {
            objectName: "preview"
            anchors { fill: parent; margins: 4 }
            visible: scr.v.awaiting_page
            fillMode: Image.PreserveAspectFit
            cache: false
            source: scr.v.awaiting_page ? "image://flow/preview/" + scr.frame : ""
        }
        Image {
            objectName: "checkedPage"
            anchors { fill: parent; margins: 4 }
            visible: !scr.v.awaiting_page && scr.v.checking !== null && scr.v.checking !== undefined
            fillMode: Image.PreserveAspectFit
            cache: false
            source: visible ? "image://flow/page/" + scr.v.material.code + "/" + scr.v.checking + "/" + vm.serial : ""
        }
    }
    // What to do is the instruction above (once); beside the picture only what is new.
    Column {
        anchors { left: theme.portrait ? parent.left : stage.right; right: parent.right; top: theme.portrait ? stage.bottom : head.bottom
                  margins: theme.margin; leftMargin: theme.portrait ? 0 : theme.margin }
        spacing: theme.gap
        Label { width: parent.width; objectName: "hint"; visible: scr.v.awaiting_page && !!scr.v.hint
                text: scr.v.hint ? vm.text("capture." + scr.v.hint) : ""; color: theme.warn; font.pixelSize: theme.title }
        Flow {
            width: parent.width
            spacing: theme.gap
            // Beside the automatic capture: the citizen's own shutter.
            Btn { objectName: "shutter"; visible: scr.v.awaiting_page; text: "◉ " + vm.t.shutter; primary: true; big: true
                  onClicked: vm.send("shutter", []) }
            Btn { objectName: "undoRemove"; visible: scr.v.can_undo; text: "↶ " + vm.t.removed_undo
                  onClicked: vm.send("undo_remove", []) }
            Btn { objectName: "retake"; visible: !scr.v.awaiting_page && scr.v.checking !== null && scr.v.checking !== undefined; text: "↺ " + vm.t.retake
                  onClicked: vm.send("retake", [scr.v.checking]) }
            Btn { objectName: "addPage"; visible: !scr.v.awaiting_page && scr.v.can_add_page; text: "+ " + vm.t.add_page
                  onClicked: vm.send("add_page", []) }
            Btn { visible: scr.v.can_skip && scr.v.pages === 0; text: vm.t.skip; onClicked: vm.send("skip_material", []) }
            Btn { objectName: "materialDone"; visible: scr.v.pages > 0; text: "✓ " + vm.t.material_done; primary: true; big: true
                  onClicked: vm.send("material_done", []) }
        }
        Flow {
            width: parent.width
            spacing: theme.gap
            Repeater { model: scr.v.pages
                Btn { objectName: "page_" + (index + 1); text: vm.t.page_n.replace("{n}", index + 1) + "  ✕"; danger: true
                      onClicked: vm.send("remove_page", [index]) } }
        }
    }
}
