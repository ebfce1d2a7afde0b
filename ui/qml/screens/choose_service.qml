import QtQuick
import ".."

// Categories beside (or above, in portrait) the services; search in 汉字, pinyin, initials.
Item {
    id: scr
    readonly property var v: vm.state.view
    Field {
        id: search
        objectName: "search"
        anchors { left: parent.left; right: parent.right; top: parent.top }
        placeholder: vm.t.search
        text: scr.v.query
        onEdited: (t) => vm.send("search", [t])
    }
    ListView {
        id: cats
        objectName: "categories"
        anchors { left: parent.left; top: search.bottom; topMargin: theme.gap
                  bottom: theme.portrait ? undefined : parent.bottom; bottomMargin: catsHint.room }
        width: theme.portrait ? parent.width : Math.max(theme.touch * 4.5, parent.width * 0.28)
        height: theme.portrait ? theme.touch + theme.gap : undefined
        orientation: theme.portrait ? ListView.Horizontal : ListView.Vertical
        spacing: theme.gap
        clip: true
        model: [{ code: "", name: vm.t.all_categories, services: -1 }].concat(scr.v.categories)
        delegate: Btn {
            width: theme.portrait ? implicitWidth : cats.width
            text: modelData.name + (modelData.services >= 0 ? "  (" + modelData.services + ")" : "")
            primary: (scr.v.category || "") === modelData.code
            onClicked: vm.send("choose_category", [modelData.code === "" ? null : modelData.code])
        }
    }
    ListView {
        id: list
        objectName: "services"
        anchors { left: theme.portrait ? parent.left : cats.right; right: parent.right; top: theme.portrait ? cats.bottom : search.bottom
                  bottom: parent.bottom; leftMargin: theme.portrait ? 0 : theme.margin
                  topMargin: theme.gap + (theme.portrait ? catsHint.room : 0); bottomMargin: listHint.room }
        spacing: theme.gap
        clip: true
        model: scr.v.services
        // Text made larger while the list is shown: the header grows; keep it in view.
        Connections { target: theme; function onScaleChanged() { list.positionViewAtBeginning() } }
        header: Label { objectName: "servicesHeader"; width: list.width; color: theme.muted; height: implicitHeight + theme.gap
                        text: scr.v.services.length === 0 ? vm.t.no_services
                              : !scr.v.query && !scr.v.category ? vm.t.all_services.replace("{n}", scr.v.services.length)
                              : scr.v.services.length + " " + vm.t.services_found }
        delegate: Rectangle {
            objectName: "service_" + modelData.code
            width: list.width
            height: Math.max(theme.touch * 1.3, row.implicitHeight + theme.gap * 2)
            radius: 10
            color: theme.panel
            border.color: theme.line
            border.width: 2
            Column {
                id: row
                anchors { left: parent.left; right: parent.right; verticalCenter: parent.verticalCenter; margins: theme.margin }
                Label { width: parent.width; text: modelData.name; font.bold: true }
                Label { width: parent.width; font.pixelSize: theme.small; color: modelData.kiosk_filing ? theme.ok : theme.warn
                        text: (modelData.kiosk_filing ? vm.t.kiosk_filing : vm.t.window_only) + " · " + vm.t.promised_days + " "
                              + modelData.promised_days + " " + vm.t.days + " · " + (modelData.fee_cny > 0 ? modelData.fee_cny + " " + vm.t.yuan : vm.t.free) }
            }
            MouseArea { anchors.fill: parent; onClicked: vm.send("choose_service", [modelData.code]) }
        }
    }
    MoreBelow { id: catsHint; flick: cats; anchors.fill: cats; horizontal: theme.portrait }
    MoreBelow { id: listHint; flick: list; anchors.fill: list }
}
