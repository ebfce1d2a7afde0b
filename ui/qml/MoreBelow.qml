import QtQuick

// Shows that a list goes on: a scroll track with its thumb, and where more is hidden a fade
// with "scroll for more" (a touchscreen has no wheel or scrollbar to discover it by).
// Put it beside the list: MoreBelow { flick: list; anchors.fill: list }. Takes no touches.
// The "scroll for more" pill lies just outside the list (below it, at its left end; the
// buttons of a screen sit at the right): it never covers a result. A list with nothing
// under it leaves `room` for it below.
Item {
    id: hint
    property Flickable flick
    property bool horizontal: false
    readonly property real extent: !flick ? 0 : horizontal ? flick.contentWidth : flick.contentHeight
    readonly property real span: !flick ? 0 : horizontal ? flick.width : flick.height
    readonly property real pos: !flick ? 0 : horizontal ? flick.contentX - flick.originX : flick.contentY - flick.originY
    readonly property bool scrolls: extent > span + 2
    readonly property bool more: scrolls && pos + span < extent - 2
    objectName: "moreBelow"
    // What a list with nothing under it leaves free below itself for the pill; none while
    // the keyboard is up (the citizen is typing, and every line of the list counts then).
    readonly property bool typing: Qt.inputMethod.visible
    readonly property real room: typing ? 0 : moreText.implicitHeight + theme.gap * 1.5 + (horizontal ? 10 : 0)

    Rectangle {  // the track, in the margin just outside the list: it covers nothing
        visible: hint.scrolls
        x: hint.horizontal ? 0 : hint.width + 4
        y: hint.horizontal ? hint.height + 2 : 0
        width: hint.horizontal ? hint.width : 6
        height: hint.horizontal ? 6 : hint.height
        radius: 3
        color: theme.line
        opacity: 0.8
        Rectangle {  // the thumb: how much is seen, and where
            readonly property real len: Math.max(theme.touch / 2, (hint.horizontal ? parent.width : parent.height) * hint.span / Math.max(1, hint.extent))
            readonly property real at: Math.max(0, Math.min(1, hint.pos / Math.max(1, hint.extent - hint.span)))
            x: hint.horizontal ? at * (parent.width - len) : 0
            y: hint.horizontal ? 0 : at * (parent.height - len)
            width: hint.horizontal ? len : parent.width
            height: hint.horizontal ? parent.height : len
            radius: 4
            color: theme.accent
        }
    }
    Rectangle {  // the fade over the cut edge
        visible: hint.more && !hint.horizontal
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: theme.touch
        gradient: Gradient {
            GradientStop { position: 0.0; color: "transparent" }
            GradientStop { position: 1.0; color: theme.bg }
        }
    }
    Rectangle {
        objectName: "moreBelowLabel"
        visible: hint.more && !hint.typing
        anchors { left: hint.horizontal ? undefined : parent.left
                  right: hint.horizontal ? parent.right : undefined
                  top: parent.bottom; topMargin: hint.horizontal ? 10 : theme.gap / 2 }
        width: moreText.implicitWidth + theme.gap * 2
        height: moreText.implicitHeight + theme.gap
        radius: height / 2
        color: theme.accent
        Label {
            id: moreText
            anchors.centerIn: parent
            text: hint.horizontal ? vm.t.more_right + " ›" : "▼ " + vm.t.more_below
            color: theme.inkOnAccent
            font.pixelSize: theme.small
            font.bold: true
            wrapMode: Text.NoWrap
        }
    }
}
