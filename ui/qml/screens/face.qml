import QtQuick
import ".."

// The face step (人证比对): the face camera's live preview, mirrored like a mirror, with an
// oval to put the face in; what to do now in words (look, turn which way, look back), how
// far along, and the calm ways on: try again, staff confirming in person, skipping when
// the hall allows it or the camera is away.
Item {
    id: scr
    readonly property var v: vm.state.view
    readonly property bool live: v.phase === "look" || v.phase === "turn" || v.phase === "back"
    readonly property bool turnLeft: v.direction === "left"
    property int frame: 0
    Timer { interval: 100; repeat: true; running: scr.live; onTriggered: scr.frame++ }

    Rectangle {
        id: stage
        objectName: "faceStage"
        anchors { left: parent.left; top: parent.top }
        width: theme.portrait ? parent.width : parent.width * 0.58
        height: theme.portrait ? parent.height * 0.55 : parent.height
        color: theme.stage
        radius: 8
        clip: true
        Image {
            objectName: "facePreview"
            anchors { fill: parent; margins: 4 }
            visible: scr.live
            fillMode: Image.PreserveAspectCrop
            mirror: true  // the citizen sees themselves as in a mirror: their left is on the left
            cache: false
            source: scr.live ? "image://flow/facecam/" + scr.frame : ""
        }
        // The guide: the room outside the oval dimmed, the oval's edge, the progress on it.
        Canvas {
            id: guide
            objectName: "faceGuide"
            anchors.fill: parent
            readonly property real ow: Math.min(width * 0.5, height * 0.62)
            readonly property real oh: ow * 1.3
            readonly property real progress: scr.v.progress
            readonly property color edge: scr.v.phase === "staff" || scr.v.phase === "retry"
                                          ? theme.warn : theme.accent
            onProgressChanged: requestPaint()
            onEdgeChanged: requestPaint()
            onWidthChanged: requestPaint()
            onHeightChanged: requestPaint()
            onPaint: {
                var ctx = getContext("2d")
                ctx.reset()
                var cx = width / 2, cy = height / 2, rx = ow / 2, ry = oh / 2
                ctx.fillStyle = Qt.rgba(0, 0, 0, scr.live ? 0.45 : 0.15)
                ctx.fillRule = Qt.OddEvenFill  // the room outside the oval, not the face
                ctx.beginPath()
                ctx.rect(0, 0, width, height)
                ctx.ellipse(cx - rx, cy - ry, ow, oh)
                ctx.fill()
                ctx.lineWidth = 6
                ctx.strokeStyle = theme.stageInk
                ctx.beginPath(); ctx.ellipse(cx - rx, cy - ry, ow, oh); ctx.stroke()
                if (progress > 0) {  // clockwise from the top, along the oval
                    ctx.lineWidth = 14
                    ctx.lineCap = "round"
                    ctx.strokeStyle = edge
                    ctx.beginPath()
                    var n = Math.max(2, Math.round(120 * progress))
                    for (var i = 0; i <= n; i++) {
                        var a = -Math.PI / 2 + 2 * Math.PI * progress * i / n
                        var x = cx + rx * Math.cos(a), y = cy + ry * Math.sin(a)
                        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y)
                    }
                    ctx.stroke()
                }
            }
        }
        // The way to turn, beside the oval on that side (the preview is mirrored).
        Text {
            objectName: "faceArrow"
            visible: scr.v.phase === "turn"
            anchors { verticalCenter: parent.verticalCenter
                      horizontalCenter: parent.horizontalCenter
                      horizontalCenterOffset: (scr.turnLeft ? -1 : 1) * (guide.ow / 2 + width * 0.6) }
            text: scr.turnLeft ? "◀" : "▶"
            font.pixelSize: theme.huge * 2.2
            color: theme.accent
            style: Text.Outline; styleColor: theme.stageInk
        }
        Column {
            anchors.centerIn: parent
            width: guide.ow * 0.9
            spacing: theme.gap
            visible: !scr.live
            Label { objectName: "faceStageText"; width: parent.width; horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap; font.pixelSize: theme.title; font.bold: true; color: theme.stageInk
                    text: scr.v.phase === "staff" ? vm.t.face_staff_coming
                          : scr.v.phase === "retry" ? vm.t.face_look : "" }
        }
    }

    Column {
        id: side
        anchors { left: theme.portrait ? parent.left : stage.right; right: parent.right
                  top: theme.portrait ? stage.bottom : parent.top
                  leftMargin: theme.portrait ? 0 : theme.margin; topMargin: theme.portrait ? theme.margin : 0 }
        spacing: theme.gap
        Label { width: parent.width; text: vm.t.face_title; color: theme.muted }
        // What to do now, large: the direction spelt out, never only an arrow.
        Label {
            objectName: "faceStep"
            width: parent.width; wrapMode: Text.WordWrap
            visible: scr.live
            font.pixelSize: theme.huge; font.bold: true
            text: scr.v.phase === "turn" ? (scr.turnLeft ? vm.t.face_turn_left : vm.t.face_turn_right)
                  : scr.v.phase === "back" ? vm.t.face_back : vm.t.face_look
        }
        Label {
            objectName: "faceHint"
            width: parent.width; wrapMode: Text.WordWrap
            // (turn_left / turn_right say what the line above says already)
            visible: scr.live && !!scr.v.hint && scr.v.hint.indexOf("turn_") !== 0
            text: scr.v.hint ? vm.text("face.hint." + scr.v.hint) : ""
            color: theme.warn; font.pixelSize: theme.title
        }
        // How far along: three steps, the one on now marked.
        Row {
            visible: scr.live
            spacing: theme.gap
            Repeater {
                model: [vm.t.face_step_look, scr.turnLeft ? vm.t.face_step_left : vm.t.face_step_right,
                        vm.t.face_step_back]
                Rectangle {
                    readonly property int at: ["look", "turn", "back"].indexOf(scr.v.phase)
                    width: stepText.implicitWidth + theme.gap * 2; height: stepText.implicitHeight + theme.gap
                    radius: height / 2
                    color: index < at ? theme.ok : index === at ? theme.accent : theme.panel
                    border.color: index <= at ? "transparent" : theme.line; border.width: 2
                    Label { id: stepText; anchors.centerIn: parent; text: (index + 1) + " " + modelData
                            font.pixelSize: theme.small; font.bold: index === parent.at
                            color: index < parent.at ? theme.inkOnOk : index === parent.at ? theme.inkOnAccent : theme.fg }
                }
            }
        }
        Rectangle {
            objectName: "faceProgress"
            visible: scr.live
            width: parent.width; height: theme.gap * 1.5; radius: height / 2
            color: theme.panel; border.color: theme.line
            Rectangle { width: parent.width * Math.max(0, Math.min(1, scr.v.progress)); height: parent.height
                        radius: parent.radius; color: theme.accent }
        }
        Label { width: parent.width; visible: scr.live && scr.v.seconds_left > 0; color: theme.muted
                text: vm.t.face_seconds.replace("{n}", scr.v.seconds_left) }
        Label { objectName: "faceTriesLeft"; width: parent.width; visible: scr.v.phase === "retry"
                text: vm.t.face_tries_left.replace("{n}", scr.v.tries_left); font.pixelSize: theme.title }
        Flow {
            width: parent.width
            spacing: theme.gap
            Btn { objectName: "retryFace"; visible: scr.v.phase === "retry" || scr.v.phase === "camera_offline"
                  text: "↺ " + vm.t.face_retry; primary: true; big: true; onClicked: vm.send("retry_face", []) }
            Btn { objectName: "staffConfirmFace"; visible: scr.v.phase === "staff" || scr.v.staff_present
                  text: vm.t.face_staff_confirm; primary: scr.v.phase === "staff"; big: scr.v.phase === "staff"
                  onClicked: vm.send("confirm_face_in_person", []) }
            Btn { objectName: "skipFace"; visible: scr.v.phase === "camera_offline"
                  text: vm.t.face_skip + " ›"; onClicked: vm.send("skip_face", []) }
            Btn { objectName: "declineFace"; visible: scr.v.can_decline && scr.v.phase !== "camera_offline"
                  text: vm.t.face_decline; onClicked: vm.send("decline_face", []) }
        }
        Label { width: parent.width; wrapMode: Text.WordWrap; text: vm.t.face_privacy
                color: theme.muted; font.pixelSize: theme.small }
    }
}
