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
    // Once for the page, not beside each field: why the document's fields cannot be typed over.
    Label { id: lockedNote; objectName: "lockedNote"; anchors { left: parent.left; right: parent.right; top: head.bottom; topMargin: theme.gap / 2 }
            readonly property bool any: scr.v.fields.some(function (x) { return x.prefilled })
            visible: any; height: any ? implicitHeight : 0
            text: vm.t.locked_note; color: theme.muted }
    Flickable {
        id: formFlick
        anchors { left: parent.left; right: parent.right; top: lockedNote.bottom; bottom: actions.top; topMargin: theme.gap; bottomMargin: theme.gap }
        contentHeight: fields.implicitHeight
        clip: true
        Column {
            id: fields
            width: parent.width
            spacing: theme.margin
            Repeater {
                // A count, not the list: every keystroke brings a new snapshot, and rebuilt
                // delegates would take the focus (and the keyboard) away from the field.
                model: scr.v.fields.length
                delegate: Grid {
                    id: frow
                    readonly property var fd: scr.v.fields[index] || ({})
                    objectName: "field_" + fd.field
                    columns: theme.portrait ? 1 : 3
                    spacing: theme.gap
                    width: fields.width
                    readonly property real col: theme.portrait ? width : (width - 2 * spacing) / 3
                    Label { width: frow.col; text: fd.label + (fd.required ? " *" : "")
                            + (fd.prefilled ? "  (" + vm.t.from_document + ")" : ""); font.bold: true }
                    Item {
                        width: frow.col; height: fd.type === "select" ? opts.implicitHeight : input.implicitHeight
                        Field {
                            id: input
                            objectName: "input_" + fd.field
                            visible: fd.type !== "select"
                            width: parent.width
                            text: fd.value || ""
                            bad: !!fd.message && fd.message.level === "error"
                            hints: scr.hintsFor(fd.type)
                            maxLength: fd.max_length || 200
                            readOnly: fd.prefilled === true
                            onEdited: (t) => vm.send("set_field", [fd.field, t])
                        }
                        Flow {
                            id: opts
                            visible: fd.type === "select"
                            width: parent.width
                            spacing: theme.gap
                            Repeater { model: frow.fd.options || []
                                Btn { objectName: "option_" + frow.fieldName + "_" + modelData.value
                                      visible: !frow.fd.prefilled || frow.value === modelData.value
                                      enabled: !frow.fd.prefilled
                                      text: modelData.label; primary: frow.value === modelData.value
                                      onClicked: vm.send("set_field", [frow.fieldName, modelData.value]) } }
                        }
                    }
                    property string value: fd.value || ""
                    property string fieldName: fd.field || ""
                    Label { width: frow.col; objectName: "message_" + frow.fd.field
                            text: frow.fd.message ? frow.fd.message.text : ""
                            color: frow.fd.message && frow.fd.message.level === "error" ? theme.bad : theme.muted }
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
    MoreBelow { flick: formFlick; anchors.fill: formFlick }
}
