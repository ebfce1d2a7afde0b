import QtQuick
import ".."

// Scan the receipt's QR code, or type the tracking number and query code.
Item {
    id: scr
    property int frame: 0
    Timer { interval: 150; repeat: true; running: true; onTriggered: scr.frame++ }
    Rectangle {
        id: box
        anchors { left: parent.left; top: parent.top }
        width: theme.portrait ? parent.width : parent.width * 0.5
        height: Math.min(width * 9 / 16, parent.height * 0.5)
        color: theme.stage; radius: 8
        Image { anchors { fill: parent; margins: 4 } fillMode: Image.PreserveAspectFit; cache: false
                source: "image://flow/preview/" + scr.frame }
    }
    Column {
        anchors { left: theme.portrait ? parent.left : box.right; right: parent.right; top: theme.portrait ? box.bottom : parent.top
                  margins: theme.margin; leftMargin: theme.portrait ? 0 : theme.margin }
        spacing: theme.gap
        Label { width: parent.width; text: vm.t.scan_receipt; font.pixelSize: theme.title; font.bold: true }
        Label { width: parent.width; text: vm.t.or_type; color: theme.muted }
        Label { text: vm.t.tracking_no }
        Field { id: no; objectName: "trackingInput"; width: parent.width; maxLength: 24; hints: Qt.ImhUppercaseOnly | Qt.ImhNoPredictiveText }
        Label { text: vm.t.query_code }
        Field { id: code; objectName: "codeInput"; width: parent.width; maxLength: 6; hints: Qt.ImhUppercaseOnly | Qt.ImhNoPredictiveText }
        Btn { objectName: "lookUp"; text: vm.t.look_up; primary: true; big: true
              onClicked: vm.send("progress_typed", [no.text, code.text]) }
    }
}
