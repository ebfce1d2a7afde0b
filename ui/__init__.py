"""The touchscreen: Qt Quick screens bound to kiosk.flow through Python view models.

QML only shows `FlowModel.state` and sends intents through `FlowModel.send`; no rules and
no device calls live here.
"""
