import QtQuick

Text {
    color: theme.fg
    font.pixelSize: theme.font
    font.family: theme.family
    wrapMode: Text.WordWrap
}
