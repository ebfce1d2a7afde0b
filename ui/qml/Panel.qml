import QtQuick

Rectangle {
    color: theme.panel
    radius: 12
    border.color: theme.line
    border.width: theme.hc ? 2 : 1
}
