import QtQuick

// The help overlay's picture: the device and the action the screen asks for, drawn in the
// theme's colours (no image files to keep in step with the words): the card on the reader,
// the passport page or a paper under the camera, the receipt's QR code under the camera,
// a face before the camera, the keyboard, or a finger on the screen.
Item {
    id: pic
    property string topic: "default"
    readonly property string kind:
        topic === "identify_idcard" || topic === "staff_sign_in" ? "reader"
        : topic === "identify_camera" ? "passport"
        : topic === "capture" || topic === "materials" ? "paper"
        : topic === "progress_lookup" ? "qr"
        : topic === "face" ? "face"
        : topic === "identify_typed" || topic === "form" ? "keyboard"
        : topic === "receipt" || topic === "ticket" ? "slip"
        : "touch"
    readonly property real u: height / 10  // the drawing's unit
    implicitHeight: theme.touch * 3.2
    implicitWidth: implicitHeight * 1.6
    objectName: "helpPicture"

    // The camera arm above the scan area (passport, paper, QR code, face).
    Rectangle {
        visible: ["passport", "paper", "qr"].indexOf(pic.kind) >= 0
        x: pic.width / 2 - pic.u * 3; y: 0; width: pic.u * 6; height: pic.u * 1.2; radius: pic.u * 0.4
        color: theme.muted
        Rectangle { anchors.centerIn: parent; width: pic.u * 0.9; height: width; radius: width / 2
                    color: theme.panel; border.color: theme.fg; border.width: 2 }
    }
    Text {
        visible: ["passport", "paper", "qr"].indexOf(pic.kind) >= 0
        x: pic.width / 2 - width / 2; y: pic.u * 1.2
        text: "▼ ▼ ▼"; color: theme.accent; font.pixelSize: pic.u * 1.1
    }
    // The scan area (a frame on the desk) under the camera.
    Rectangle {
        visible: ["passport", "paper", "qr"].indexOf(pic.kind) >= 0
        x: pic.width / 2 - pic.u * 6; y: pic.u * 2.8; width: pic.u * 12; height: pic.u * 7
        color: "transparent"; border.color: theme.accent; border.width: 3; radius: pic.u * 0.3
        // Passport data page, face down: the two MRZ lines towards the camera.
        Rectangle {
            visible: pic.kind === "passport"
            anchors.centerIn: parent; width: parent.width * 0.7; height: parent.height * 0.75
            color: theme.panel; border.color: theme.fg; border.width: 2; radius: 4
            Rectangle { x: parent.width * 0.08; y: parent.height * 0.12; width: parent.width * 0.25
                        height: parent.height * 0.45; color: theme.line }
            Column {
                anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: parent.width * 0.06 }
                spacing: 2
                Repeater { model: 2
                    Text { width: parent.width; text: "P<CHN<<<<<<<<<<<<<<<<<<<<<"; elide: Text.ElideRight
                           color: theme.fg; font.family: "monospace"; font.pixelSize: pic.u * 0.6 } }
            }
        }
        // A paper, face up.
        Rectangle {
            visible: pic.kind === "paper"
            anchors.centerIn: parent; width: parent.width * 0.5; height: parent.height * 0.85
            color: theme.panel; border.color: theme.fg; border.width: 2
            Column {
                anchors { fill: parent; margins: parent.width * 0.12 }
                spacing: parent.height * 0.08
                Repeater { model: 5
                    Rectangle { width: parent.width * (index === 4 ? 0.5 : 1); height: 3; color: theme.line } }
            }
        }
        // The receipt's QR code.
        Grid {
            visible: pic.kind === "qr"
            anchors.centerIn: parent
            columns: 5; spacing: 0
            Repeater { model: [1,1,0,1,1, 1,0,1,0,1, 0,1,1,1,0, 1,0,1,0,1, 1,1,0,1,1]
                Rectangle { width: pic.u * 0.9; height: width; color: modelData ? theme.fg : theme.panel } }
        }
    }

    // The card reader with an ID card being laid on it.
    Rectangle {
        visible: pic.kind === "reader"
        x: pic.width / 2 - pic.u * 6; y: pic.u * 6.5; width: pic.u * 12; height: pic.u * 3; radius: pic.u * 0.5
        color: theme.muted
        Text { anchors.centerIn: parent; text: ")))"; color: theme.panel; font.pixelSize: pic.u * 1.4; font.bold: true }
    }
    Rectangle {
        visible: pic.kind === "reader"
        x: pic.width / 2 - pic.u * 4; y: pic.u * 1.2; width: pic.u * 8; height: pic.u * 5; radius: pic.u * 0.5
        color: theme.panel; border.color: theme.accent; border.width: 3
        Rectangle { x: parent.width * 0.08; y: parent.height * 0.18; width: parent.width * 0.28
                    height: parent.height * 0.64; color: theme.line; radius: 3 }
        Column {
            x: parent.width * 0.45; y: parent.height * 0.25; spacing: parent.height * 0.12
            Repeater { model: 3
                Rectangle { width: pic.u * 3.5; height: 3; color: theme.fg } }
        }
    }
    Text {
        visible: pic.kind === "reader"
        x: pic.width / 2 + pic.u * 4.6; y: pic.u * 3
        text: "▼"; color: theme.accent; font.pixelSize: pic.u * 2
    }

    // A face in front of the camera.
    Rectangle {
        visible: pic.kind === "face"
        x: pic.width / 2 - pic.u * 1; y: 0; width: pic.u * 2; height: pic.u * 2; radius: pic.u
        color: theme.muted
        Rectangle { anchors.centerIn: parent; width: pic.u * 0.8; height: width; radius: width / 2; color: theme.panel }
    }
    Rectangle {
        visible: pic.kind === "face"
        x: pic.width / 2 - pic.u * 2.2; y: pic.u * 3; width: pic.u * 4.4; height: pic.u * 5.6; radius: width / 2
        color: "transparent"; border.color: theme.accent; border.width: 4
        Text { anchors.centerIn: parent; text: "• •\n‿"; horizontalAlignment: Text.AlignHCenter
               color: theme.fg; font.pixelSize: pic.u * 1.3 }
    }

    // A keyboard under a text box.
    Rectangle {
        visible: pic.kind === "keyboard"
        x: pic.width / 2 - pic.u * 6; y: pic.u * 0.5; width: pic.u * 12; height: pic.u * 1.8
        color: theme.panel; border.color: theme.inputLine; border.width: 3; radius: 4
        Rectangle { x: pic.u * 0.6; y: parent.height * 0.2; width: 3; height: parent.height * 0.6; color: theme.accent }
    }
    Grid {
        visible: pic.kind === "keyboard"
        x: pic.width / 2 - pic.u * 6; y: pic.u * 3.5
        columns: 10; spacing: pic.u * 0.2
        Repeater { model: 30
            Rectangle { width: pic.u * 1.02; height: pic.u * 1.6; radius: 3; color: theme.panel
                        border.color: theme.line; border.width: 2 } }
    }

    // A printed slip (receipt or ticket) coming out of the printer.
    Rectangle {
        visible: pic.kind === "slip"
        x: pic.width / 2 - pic.u * 4; y: pic.u * 7.5; width: pic.u * 8; height: pic.u * 2; radius: pic.u * 0.4
        color: theme.muted
    }
    Rectangle {
        visible: pic.kind === "slip"
        x: pic.width / 2 - pic.u * 2.5; y: 0; width: pic.u * 5; height: pic.u * 8
        color: theme.panel; border.color: theme.fg; border.width: 2
        Column {
            anchors { fill: parent; margins: pic.u * 0.5 }
            spacing: pic.u * 0.4
            Repeater { model: 3
                Rectangle { width: parent.width; height: 3; color: theme.line } }
            Grid {
                anchors.horizontalCenter: parent.horizontalCenter
                columns: 3
                Repeater { model: [1,0,1, 0,1,0, 1,1,1]
                    Rectangle { width: pic.u * 0.8; height: width; color: modelData ? theme.fg : theme.panel } }
            }
        }
    }

    // A finger tapping a button on the screen.
    Rectangle {
        visible: pic.kind === "touch"
        x: pic.width / 2 - pic.u * 6; y: pic.u * 0.3; width: pic.u * 12; height: pic.u * 7.5; radius: pic.u * 0.4
        color: theme.panel; border.color: theme.fg; border.width: 3
        Rectangle { anchors { right: parent.right; bottom: parent.bottom; margins: pic.u * 0.6 }
                    width: pic.u * 3.5; height: pic.u * 1.5; radius: 6; color: theme.accent }
        Column {
            x: pic.u * 0.8; y: pic.u * 0.8; spacing: pic.u * 0.6
            Repeater { model: 3
                Rectangle { width: pic.u * (7 - index * 1.5); height: 3; color: theme.line } }
        }
    }
    Text {
        visible: pic.kind === "touch"
        x: pic.width / 2 + pic.u * 2.6; y: pic.u * 6.2
        text: "☝"; color: theme.fg; font.pixelSize: pic.u * 2.6
    }
}
