import QtQuick
import ".."

// A few fields per page; each checked as it is typed, the message beside it.
Item {
    id: scr
    readonly property var v: vm.state.view
    function hintsFor(type) {
        if (type === "phone") return Qt.ImhDialableCharactersOnly
        if (type === "number") return Qt.ImhDigitsOnly
        if (type === "date") return Qt.ImhDate | Qt.ImhNoPredictiveText
        if (type === "id_number") return Qt.ImhNoPredictiveText | Qt.ImhUppercaseOnly
        return Qt.ImhNone
    }
    Label { id: head; text: scr.v.service + "   " + vm.t.page.replace("{page}", scr.v.page + 1).replace("{pages}", scr.v.pages); color: theme.muted }
    Flickable {
        anchors { left: parent.left; right: parent.right; top: head.bottom; bottom: actions.top; topMargin: theme.gap; bottomMargin: theme.gap }
        contentHeight: fields.implicitHeight
        clip: true
        Column {
            id: fields
            width: parent.width
            spacing: theme.margin
            Repeater {
                model: scr.v.fields
                delegate: Grid {
                    id: frow
                    objectName: "field_" + modelData.field
                    columns: theme.portrait ? 1 : 3
                    spacing: theme.gap
                    width: fields.width
                    readonly property real col: theme.portrait ? width : (width - 2 * spacing) / 3
                    Label { width: frow.col; text: modelData.label + (modelData.required ? " *" : "")
                            + (modelData.prefilled ? "  (" + vm.t.from_chip + ")" : ""); font.bold: true }
                    Item {
                        width: frow.col; height: modelData.type === "select" ? opts.implicitHeight : input.implicitHeight
                        Field {
                            id: input
                            objectName: "input_" + modelData.field
                            visible: modelData.type !== "select"
                            width: parent.width
                            text: modelData.value
                            bad: !!modelData.message && modelData.message.level === "error"
                            hints: scr.hintsFor(modelData.type)
                            maxLength: modelData.max_length || 200
                            onEdited: (t) => vm.send("set_field", [modelData.field, t])
                        }
                        Flow {
                            id: opts
                            visible: modelData.type === "select"
                            width: parent.width
                            spacing: theme.gap
                            Repeater { model: modelData.options
                                Btn { text: modelData.label; primary: frow.value === modelData.value
                                      onClicked: vm.send("set_field", [frow.fieldName, modelData.value]) } }
                        }
                    }
                    property string value: modelData.value
                    property string fieldName: modelData.field
                    Label { width: frow.col; objectName: "message_" + modelData.field
                            text: modelData.message ? modelData.message.text : ""
                            color: modelData.message && modelData.message.level === "error" ? theme.bad : theme.muted }
                }
            }
        }
    }
    Row {
        id: actions
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { visible: scr.v.page > 0; text: "‹ " + vm.t.previous; onClicked: vm.send("previous_page", []) }
        Btn { objectName: "nextPage"; text: vm.t.next + " ›"; primary: true; big: true; onClicked: vm.send("next_page", []) }
    }
}
