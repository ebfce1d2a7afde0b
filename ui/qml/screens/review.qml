import QtQuick
import ".."

// Everything on one screen; each part can be changed; then submit.
Item {
    id: scr
    readonly property var v: vm.state.view
    function deliveryLabel(k) { return k === "mail" ? vm.t.delivery_mail : vm.t.delivery_pickup }
    Flickable {
        id: reviewFlick
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: whyNot.visible ? whyNot.top : actions.top
                  bottomMargin: theme.gap }
        contentHeight: body.implicitHeight
        clip: true
        Column {
            id: body
            width: parent.width
            spacing: theme.gap
            Label { width: parent.width; text: scr.v.service + " · " + vm.t.promised_days + " " + scr.v.promised_days + " " + vm.t.days
                    + " · " + (scr.v.fee_cny > 0 ? scr.v.fee_cny + " " + vm.t.yuan : vm.t.free); font.pixelSize: theme.title; font.bold: true }
            Label { text: vm.t.review_identity; font.bold: true; color: theme.accent }
            Label { width: parent.width; objectName: "reviewName"
                    text: scr.v.identity ? scr.v.identity.name + " · " + scr.v.identity.document_number
                          + " · " + (scr.v.identity.verified ? (scr.v.identity.source === "id_card" ? vm.t.idcard_verified : vm.t.chip_verified)
                                                             : vm.t.chip_not_verified) : "" }
            Label { width: parent.width; visible: !!scr.v.assisted_by; text: vm.t.assisted_by + ": " + (scr.v.assisted_by || "") }
            Row { spacing: theme.gap
                Label { text: vm.t.review_form; font.bold: true; color: theme.accent; anchors.verticalCenter: parent.verticalCenter }
                Btn { objectName: "editForm"; text: "✎ " + vm.t.edit; onClicked: vm.send("edit_form", [0]) } }
            Repeater {
                model: scr.v.rows
                delegate: Item {
                    width: body.width; height: Math.max(theme.touch, rv.implicitHeight)
                    Label { id: rl; width: parent.width * 0.35; anchors.verticalCenter: parent.verticalCenter; text: modelData.label; color: theme.muted }
                    Label { id: rv; anchors { left: rl.right; right: eb.left; verticalCenter: parent.verticalCenter; margins: theme.gap }
                            text: modelData.value }
                    Btn { id: eb; anchors.right: parent.right; text: "✎"; onClicked: vm.send("edit_field", [modelData.field])
                          visible: !modelData.locked }  // from the document: not edited here
                }
            }
            Row { spacing: theme.gap
                Label { text: vm.t.review_materials; font.bold: true; color: theme.accent; anchors.verticalCenter: parent.verticalCenter }
                Btn { objectName: "editMaterials"; text: "✎ " + vm.t.edit; onClicked: vm.send("edit_materials", []) } }
            Repeater { model: scr.v.materials
                Label { width: body.width; text: (modelData.pages > 0 ? "✓ " : "– ") + modelData.name + "  " + modelData.pages + " " + (modelData.pages === 1 ? vm.t.page_one : vm.t.pages)
                        + (modelData.skipped ? " (" + vm.t.skipped + ")" : "") } }
            Label { text: vm.t.delivery; font.bold: true; color: theme.accent; visible: scr.v.delivery_options.length > 1 }
            Flow { width: parent.width; spacing: theme.gap; visible: scr.v.delivery_options.length > 1
                Repeater { model: scr.v.delivery_options
                    Btn { text: scr.deliveryLabel(modelData); primary: scr.v.delivery === modelData
                          onClicked: vm.send("set_delivery", [modelData]) } } }
        }
    }
    Btn {
        id: actions
        objectName: "submit"
        anchors { right: parent.right; bottom: parent.bottom }
        text: vm.t.submit + " ›"; primary: true; big: true; enabled: scr.v.problems.length === 0
        onClicked: vm.send("submit", [])
    }
    // Greyed out "submit" says what it waits for, beside it (in words, not field codes).
    Label {
        id: whyNot
        objectName: "whyNot"
        visible: scr.v.problems.length > 0
        // Just above the button, right-aligned: beside it there is no room in portrait or
        // in large text; the list above ends where this begins.
        anchors { right: parent.right; left: parent.left; bottom: actions.top; bottomMargin: theme.gap }
        horizontalAlignment: Text.AlignRight
        wrapMode: Text.WordWrap
        color: theme.bad
        text: vm.t.still_needed.replace("{items}", scr.v.problem_names.join(vm.state.lang === "zh" ? "、" : ", "))
    }
    MoreBelow { flick: reviewFlick; anchors.fill: reviewFlick }
}
