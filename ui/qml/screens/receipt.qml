import QtQuick
import ".."

// The tracking number and query code, the QR code (always: a phone can take it even when
// the paper did not come), and what comes next, the same lines as on the paper.
Item {
    id: scr
    readonly property var v: vm.state.view
    readonly property var steps: scr.v.next_steps || []
    Flickable {
        id: receiptFlick
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actions.top; bottomMargin: theme.gap }
        contentHeight: body.height
        clip: true
        Item {
            id: body
            width: receiptFlick.width
            // Landscape: the numbers and the QR code on the left, what comes next on the
            // right, both in view at once; portrait: one above the other.
            readonly property real leftWidth: theme.portrait ? width : width * 0.4
            height: theme.portrait ? info.height + next.height + theme.margin
                                   : Math.max(info.height, next.height)
            Column {
                id: info
                anchors { left: parent.left; top: parent.top }
                width: body.leftWidth
                spacing: theme.gap / 2
                Label { width: parent.width; text: scr.v.service; font.pixelSize: theme.title; font.bold: true }
                Label { width: parent.width; text: vm.t.tracking_no; color: theme.muted }
                // One line, shrunk to fit: a tracking number broken across lines is misread.
                Label { objectName: "trackingNo"; width: parent.width; text: scr.v.tracking_no; font.bold: true; font.family: "monospace"
                        font.pixelSize: theme.huge; fontSizeMode: Text.HorizontalFit; minimumPixelSize: theme.font; wrapMode: Text.NoWrap }
                // The short query code beside the QR code: both in view with large text too.
                Row {
                    width: parent.width
                    spacing: theme.margin
                    Column {
                        id: codeCol
                        width: parent.width - qrBox.width - theme.margin
                        spacing: theme.gap / 2
                        Label { width: parent.width; text: vm.t.query_code; color: theme.muted }
                        Label { objectName: "queryCode"; width: parent.width; text: scr.v.query_code; font.pixelSize: theme.huge; font.bold: true; font.family: "monospace"
                                fontSizeMode: Text.HorizontalFit; minimumPixelSize: theme.font; wrapMode: Text.NoWrap }
                        Label { width: parent.width; objectName: "printState"
                                text: scr.v.printed === true ? vm.t.printed : scr.v.printed === false ? vm.t.not_printed : vm.t.printing
                                color: scr.v.printed === false ? theme.bad : theme.ok; font.bold: true }
                    }
                    Column {
                        id: qrBox
                        width: Math.min(body.leftWidth * 0.45, theme.touch * (theme.portrait ? 5 : 3.6))
                        spacing: theme.gap / 2
                        Image {
                            objectName: "qr"
                            width: parent.width
                            height: width
                            fillMode: Image.PreserveAspectFit
                            smooth: false
                            cache: false
                            source: "image://flow/qr/" + vm.serial
                        }
                        Label { width: parent.width; horizontalAlignment: Text.AlignHCenter; text: vm.t.scan_qr; color: theme.muted; font.pixelSize: theme.small }
                    }
                }
            }
            Panel {
                id: next
                objectName: "nextSteps"
                visible: scr.steps.length > 0
                anchors { right: parent.right; top: theme.portrait ? info.bottom : parent.top; topMargin: theme.portrait ? theme.margin : 0 }
                width: theme.portrait ? parent.width : parent.width - body.leftWidth - theme.margin
                height: visible ? stepsCol.implicitHeight + theme.margin * 2 : 0
                Column {
                    id: stepsCol
                    anchors { fill: parent; margins: theme.margin }
                    spacing: theme.gap
                    Label { text: vm.t.next_steps; font.pixelSize: theme.title; font.bold: true; color: theme.accent }
                    Repeater {
                        model: scr.steps
                        Row {
                            objectName: "step_" + modelData.key
                            width: stepsCol.width
                            spacing: theme.margin
                            Label { id: stepLabel; width: Math.min(stepsCol.width * 0.26, theme.font * 6); text: modelData.label; color: theme.muted }
                            Label { width: stepsCol.width - stepLabel.width - theme.margin; text: modelData.text
                                    font.bold: modelData.key === "promised" || modelData.key === "fee" }
                        }
                    }
                }
            }
        }
    }
    MoreBelow { flick: receiptFlick; anchors.fill: receiptFlick }
    Row {
        id: actions
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { objectName: "reprint"; visible: scr.v.can_reprint; text: vm.t.reprint; onClicked: vm.send("reprint", []) }
        Btn { objectName: "finish"; text: vm.t.finish; primary: true; big: true; onClicked: vm.send("finish", []) }
    }
}
