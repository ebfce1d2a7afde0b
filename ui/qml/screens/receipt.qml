import QtQuick
import ".."

// The tracking number and query code; printed, or on screen as a QR code when not.
Item {
    id: scr
    readonly property var v: vm.state.view
    Column {
        id: info
        anchors { left: parent.left; top: parent.top }
        width: theme.portrait ? parent.width : parent.width * 0.55
        spacing: theme.margin
        Label { width: parent.width; text: scr.v.service; font.pixelSize: theme.title; font.bold: true }
        Label { width: parent.width; text: vm.t.tracking_no; color: theme.muted }
        // One line, whatever the text size: a number broken across lines is misread; it
        // shrinks to the width instead (never below body text).
        Label { objectName: "trackingNo"; width: parent.width; text: scr.v.tracking_no; font.pixelSize: theme.huge; font.bold: true; font.family: "monospace"
                wrapMode: Text.NoWrap; fontSizeMode: Text.HorizontalFit; minimumPixelSize: theme.font }
        Label { width: parent.width; text: vm.t.query_code; color: theme.muted }
        Label { objectName: "queryCode"; width: parent.width; text: scr.v.query_code; font.pixelSize: theme.huge; font.bold: true; font.family: "monospace"
                wrapMode: Text.NoWrap; fontSizeMode: Text.HorizontalFit; minimumPixelSize: theme.font }
        Label { width: parent.width; objectName: "printState"
                text: scr.v.printed === true ? vm.t.printed : scr.v.printed === false ? vm.t.not_printed : vm.t.printing
                color: scr.v.printed === false ? theme.bad : theme.ok; font.bold: true }
        Label { width: parent.width; visible: scr.v.offline; text: vm.t.offline_note; color: theme.warn }
    }
    Image {
        objectName: "qr"
        visible: scr.v.printed === false
        anchors { right: parent.right; top: theme.portrait ? info.bottom : parent.top; topMargin: theme.portrait ? theme.margin : 0 }
        width: Math.min(theme.portrait ? parent.width * 0.6 : parent.width * 0.4, parent.height - (theme.portrait ? info.height + theme.touch * 2 : theme.touch * 2))
        height: width
        fillMode: Image.PreserveAspectFit
        smooth: false
        cache: false
        source: visible ? "image://flow/qr/" + vm.serial : ""
    }
    Row {
        anchors { right: parent.right; bottom: parent.bottom }
        spacing: theme.gap
        Btn { objectName: "reprint"; visible: scr.v.can_reprint; text: vm.t.reprint; onClicked: vm.send("reprint", []) }
        Btn { objectName: "finish"; text: vm.t.finish; primary: true; big: true; onClicked: vm.send("finish", []) }
    }
}
