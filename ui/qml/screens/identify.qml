import QtQuick
import ".."

// Identify: the ID card on the SAM reader (first, where the reader works), or a passport's
// data page on the camera (MRZ read, chip unlocked), or the three MRZ fields typed.
Item {
    id: scr
    readonly property var v: vm.state.view
    readonly property var who: v.identity
    readonly property bool fromCard: !!who && who.source === "id_card"
    readonly property bool canPassport: v.ways.indexOf("camera") >= 0
    readonly property bool canIdcard: v.ways.indexOf("idcard") >= 0
    property int frame: 0
    Timer { interval: 150; repeat: true; running: !scr.who && scr.v.mode === "camera"; onTriggered: scr.frame++ }

    // What the document says: name, photo (or a calm "no photo"), the verified badge.
    Panel {
        id: result
        visible: !!scr.who
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Math.max(face.height, info.implicitHeight) + theme.margin * 2
        Rectangle {
            id: face
            anchors { left: parent.left; top: parent.top; margins: theme.margin }
            width: theme.touch * 3; height: width * 4 / 3
            color: theme.bg; border.color: theme.line; border.width: 2; radius: 6
            Image {
                objectName: "face"
                anchors.fill: parent; anchors.margins: 2
                fillMode: Image.PreserveAspectFit
                cache: false
                visible: !!scr.who && scr.who.has_photo
                source: scr.who && scr.who.has_photo ? "image://flow/face/" + vm.state.visit : ""
            }
            Label {
                objectName: "noPhoto"
                visible: !!scr.who && !scr.who.has_photo
                anchors.centerIn: parent; width: parent.width - theme.gap * 2
                horizontalAlignment: Text.AlignHCenter
                text: vm.t.no_photo; color: theme.muted
            }
        }
        Column {
            id: info
            anchors { left: face.right; right: parent.right; top: parent.top; margins: theme.margin }
            spacing: theme.gap
            Label { objectName: "name"; width: parent.width; text: scr.who ? scr.who.name : ""; font.pixelSize: theme.huge; font.bold: true }
            Label { width: parent.width
                    text: scr.who ? (scr.fromCard && scr.who.id_type !== "foreign_permanent_resident" ? vm.t.id_number_card : vm.t.document_number)
                                    + ": " + scr.who.document_number : "" }
            // The ICAO codes in words ("CHN" is 中国), for the passport and the foreigner's card.
            Label { objectName: "nationality"; width: parent.width
                    visible: !!scr.who && (!scr.fromCard || scr.who.id_type === "foreign_permanent_resident")
                    text: scr.who ? vm.t.nationality + ": " + (scr.who.nationality_name || scr.who.nationality) : "" }
            Label { objectName: "issuingState"; width: parent.width
                    visible: !!scr.who && !scr.fromCard && !!scr.who.issuing_state && scr.who.issuing_state !== scr.who.nationality
                    text: scr.who ? vm.t.issuing_state + ": " + (scr.who.issuing_state_name || scr.who.issuing_state) : "" }
            Label { width: parent.width; visible: scr.fromCard && !!scr.who.nation; text: scr.who ? vm.t.nation + ": " + scr.who.nation : "" }
            Label { objectName: "address"; width: parent.width; visible: scr.fromCard && !!scr.who.address
                    text: scr.who ? vm.t.address + ": " + scr.who.address : "" }
            Label { width: parent.width; visible: scr.fromCard
                    text: scr.who ? vm.t.valid_until + ": " + (scr.who.long_term ? vm.t.long_term : scr.who.valid_until) : "" }
            Rectangle {
                objectName: "verifiedBadge"
                width: badge.implicitWidth + theme.gap * 2; height: badge.implicitHeight + theme.gap
                radius: 6
                color: scr.who && scr.who.verified ? theme.ok : theme.warn
                Label { id: badge; anchors.centerIn: parent; font.bold: true
                        color: scr.who && scr.who.verified ? theme.inkOnOk : theme.inkOnWarn
                        text: scr.who && scr.who.verified ? "✓ " + (scr.fromCard ? vm.t.idcard_verified : vm.t.chip_verified)
                                                          : "! " + vm.t.chip_not_verified }
            }
            Label { width: parent.width; visible: !!scr.v.assisted_by; text: vm.t.assisted_by + ": " + (scr.v.assisted_by || ""); color: theme.muted }
        }
    }
    // A grey "confirm" (the chip failed its check) is explained by the message above it.
    Row {
        id: confirmRow
        visible: !!scr.who
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { visible: !scr.fromCard; text: vm.t.retry_chip; onClicked: vm.send("retry_chip", []) }
        Btn { objectName: "confirmIdentity"; text: vm.t.confirm + " ›"; primary: true; big: true; enabled: scr.v.can_continue
              onClicked: vm.send("confirm_identity", []) }
    }

    // ID card mode: a picture of where the card goes, and what is happening.
    Item {
        visible: !scr.who && scr.v.mode === "idcard"
        anchors.fill: parent
        Rectangle {
            id: readerPicture
            objectName: "idcardPicture"
            anchors { left: parent.left; top: parent.top }
            width: theme.portrait ? parent.width : parent.width * 0.5
            height: Math.min(width * 0.62, parent.height - theme.touch * 3)
            color: theme.panel; radius: 12; border.color: theme.line; border.width: 2
            // The reader seen from above: its reading area, and a card lying on it.
            Rectangle {
                id: pad
                anchors.centerIn: parent
                width: parent.width * 0.62; height: width * 0.63
                radius: 14; color: "#37474f"
                Rectangle { anchors { fill: parent; margins: parent.width * 0.06 } radius: 10
                            color: "transparent"; border.color: "#90a4ae"; border.width: 3 }
                Rectangle {
                    id: card
                    width: pad.width * 0.72; height: width / 1.586; radius: 8
                    x: (pad.width - width) / 2
                    y: (pad.height - height) / 2 + (scr.v.reading_idcard ? 0 : -pad.height * 0.12)
                    Behavior on y { NumberAnimation { duration: 400 } }
                    color: "#e3f2fd"; border.color: "#1565c0"; border.width: 2
                    Rectangle { x: parent.width * 0.08; y: parent.height * 0.2; width: parent.width * 0.26
                                height: parent.height * 0.6; radius: 4; color: "#bbdefb" }
                    Column {
                        x: parent.width * 0.42; y: parent.height * 0.22; spacing: parent.height * 0.1
                        Repeater { model: 4; Rectangle { width: card.width * (index === 3 ? 0.3 : 0.46); height: card.height * 0.07; radius: 2; color: "#90caf9" } }
                    }
                }
            }
            Label { objectName: "placeIdcard"
                    anchors { horizontalCenter: parent.horizontalCenter; bottom: parent.bottom; bottomMargin: theme.gap }
                    text: scr.v.reading_idcard ? vm.t.idcard_reading : "⬇ " + vm.t.reading_area
                    color: scr.v.reading_idcard ? theme.accent : theme.fg; font.bold: true }
        }
        Column {
            anchors { left: theme.portrait ? parent.left : readerPicture.right; right: parent.right
                      top: theme.portrait ? readerPicture.bottom : parent.top; margins: theme.margin }
            spacing: theme.margin
            Label { width: parent.width; text: vm.t.idcard_accepted; font.pixelSize: theme.title; font.bold: true }
            Label { width: parent.width; text: vm.t.idcard_hint; color: theme.muted }
            Btn { objectName: "usePassport"; visible: scr.canPassport; text: vm.t.use_passport
                  onClicked: vm.send("use_passport", []) }
        }
    }

    // Camera mode: the live preview and where the MRZ goes.
    Item {
        visible: !scr.who && scr.v.mode === "camera"
        anchors.fill: parent
        Rectangle {
            id: previewBox
            anchors { left: parent.left; top: parent.top }
            width: theme.portrait ? parent.width : parent.width * 0.6
            height: Math.min(width * 9 / 16, parent.height - theme.touch * 2.5)
            color: theme.stage
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
            // "Place the photo page on the scanner" is the instruction above: not again here.
            Label { width: parent.width; text: vm.t.mrz_hint; color: theme.muted }
            Label { width: parent.width; visible: scr.v.waiting_for_card; text: vm.t.waiting_for_card; color: theme.warn }
            Btn { objectName: "typeInstead"; text: "⌨ " + vm.t.type_instead; onClicked: vm.send("use_typed_mrz", []) }
            Btn { objectName: "useIdcard"; visible: scr.canIdcard; text: vm.t.use_idcard
                  onClicked: vm.send("use_idcard", []) }
        }
    }

    // Typed fallback: the three MRZ fields on the virtual keyboard.
    Column {
        visible: !scr.who && scr.v.mode === "typed"
        anchors { left: parent.left; top: parent.top }
        width: Math.min(parent.width, theme.touch * 12)
        spacing: theme.gap
        Label { text: vm.t.document_number }
        Field { id: docNo; objectName: "mrzNumber"; width: parent.width; maxLength: 9; hints: Qt.ImhUppercaseOnly | Qt.ImhNoPredictiveText }
        Label { objectName: "birth_label"; text: vm.t.birth_date }
        // Typed as the label and the example say (1985-03-15); 19850315 works as well.
        Field { id: birth; objectName: "mrzBirth"; width: parent.width; maxLength: 10; placeholder: vm.t.birth_example
                hints: Qt.ImhFormattedNumbersOnly | Qt.ImhNoPredictiveText }
        Label { text: vm.t.expiry_date }
        Field { id: expiry; objectName: "mrzExpiry"; width: parent.width; maxLength: 10; placeholder: vm.t.expiry_example
                hints: Qt.ImhFormattedNumbersOnly | Qt.ImhNoPredictiveText }
        Row {
            spacing: theme.gap
            Btn { objectName: "readChip"; text: vm.t.read_chip; primary: true; big: true
                  onClicked: vm.send("mrz_typed", [docNo.text, birth.text, expiry.text]) }
            Btn { text: vm.t.use_camera; onClicked: vm.send("back", []) ; visible: false }
        }
    }
}
