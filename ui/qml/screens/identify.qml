import QtQuick
import ".."

// Lay the document on the camera (MRZ read, chip unlocked), or type the three MRZ fields.
Item {
    id: scr
    readonly property var v: vm.state.view
    property int frame: 0
    Timer { interval: 150; repeat: true; running: !scr.v.identity && scr.v.mode === "camera"; onTriggered: scr.frame++ }

    // The chip's answer: name, photo, verified badge.
    Panel {
        id: result
        visible: !!scr.v.identity
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Math.max(face.height, info.implicitHeight) + theme.margin * 2
        Image {
            id: face
            objectName: "face"
            anchors { left: parent.left; top: parent.top; margins: theme.margin }
            width: theme.touch * 3; height: width * 4 / 3
            fillMode: Image.PreserveAspectFit
            cache: false
            source: scr.v.identity && scr.v.identity.has_photo ? "image://flow/face/" + vm.state.visit : ""
        }
        Column {
            id: info
            anchors { left: face.right; right: parent.right; top: parent.top; margins: theme.margin }
            spacing: theme.gap
            Label { objectName: "name"; width: parent.width; text: scr.v.identity ? scr.v.identity.name : ""; font.pixelSize: theme.huge; font.bold: true }
            Label { width: parent.width; text: scr.v.identity ? vm.t.document_number + ": " + scr.v.identity.document_number : "" }
            Label { width: parent.width; text: scr.v.identity ? vm.t.nationality + ": " + scr.v.identity.nationality : "" }
            Rectangle {
                objectName: "verifiedBadge"
                width: badge.implicitWidth + theme.gap * 2; height: badge.implicitHeight + theme.gap
                radius: 6
                color: scr.v.identity && scr.v.identity.verified ? theme.ok : theme.warn
                Label { id: badge; anchors.centerIn: parent; color: "#ffffff"; font.bold: true
                        text: scr.v.identity && scr.v.identity.verified ? "✓ " + vm.t.chip_verified : "! " + vm.t.chip_not_verified }
            }
            Label { width: parent.width; visible: !!scr.v.assisted_by; text: vm.t.assisted_by + ": " + (scr.v.assisted_by || ""); color: theme.muted }
        }
    }
    Row {
        visible: !!scr.v.identity
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { text: vm.t.retry_chip; onClicked: vm.send("retry_chip", []) }
        Btn { objectName: "confirmIdentity"; text: vm.t.confirm + " ›"; primary: true; big: true; enabled: scr.v.can_continue
              onClicked: vm.send("confirm_identity", []) }
    }

    // Camera mode: the live preview and where the MRZ goes.
    Item {
        visible: !scr.v.identity && scr.v.mode === "camera"
        anchors.fill: parent
        Rectangle {
            id: previewBox
            anchors { left: parent.left; top: parent.top }
            width: theme.portrait ? parent.width : parent.width * 0.6
            height: Math.min(width * 9 / 16, parent.height - theme.touch * 2.5)
            color: "#202830"
            radius: 8
            Image {
                objectName: "preview"
                anchors.fill: parent; anchors.margins: 4
                fillMode: Image.PreserveAspectFit
                cache: false
                source: parent.parent.visible ? "image://flow/preview/" + scr.frame : ""
            }
        }
        Column {
            anchors { left: theme.portrait ? parent.left : previewBox.right; right: parent.right
                      top: theme.portrait ? previewBox.bottom : parent.top; margins: theme.margin }
            spacing: theme.margin
            Label { width: parent.width; text: vm.t.place_document; font.pixelSize: theme.title; font.bold: true }
            Label { width: parent.width; text: vm.t.mrz_hint; color: theme.muted }
            Label { width: parent.width; visible: scr.v.waiting_for_card; text: vm.t.waiting_for_card; color: theme.warn }
            Btn { objectName: "typeInstead"; text: "⌨ " + vm.t.type_instead; onClicked: vm.send("use_typed_mrz", []) }
        }
    }

    // Typed fallback: the three MRZ fields on the virtual keyboard.
    Column {
        visible: !scr.v.identity && scr.v.mode === "typed"
        anchors { left: parent.left; top: parent.top }
        width: Math.min(parent.width, theme.touch * 12)
        spacing: theme.gap
        Label { text: vm.t.document_number }
        Field { id: docNo; objectName: "mrzNumber"; width: parent.width; maxLength: 9; hints: Qt.ImhUppercaseOnly | Qt.ImhNoPredictiveText }
        Label { text: vm.t.birth_date }
        Field { id: birth; objectName: "mrzBirth"; width: parent.width; maxLength: 10; hints: Qt.ImhDigitsOnly }
        Label { text: vm.t.expiry_date }
        Field { id: expiry; objectName: "mrzExpiry"; width: parent.width; maxLength: 10; hints: Qt.ImhDigitsOnly }
        Row {
            spacing: theme.gap
            Btn { objectName: "readChip"; text: vm.t.read_chip; primary: true; big: true
                  onClicked: vm.send("mrz_typed", [docNo.text, birth.text, expiry.text]) }
            Btn { text: vm.t.use_camera; onClicked: vm.send("back", []) ; visible: false }
        }
    }
}
