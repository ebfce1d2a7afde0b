"""Message keys to the texts shown on screen (and read aloud), in Chinese and English.

The flow and the form checks speak in keys; the UI shows `text(key, lang, **params)`.
A missing key shows the key itself (and logs it once), never an exception.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")

# key: (zh, en). Parameters in {braces}.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- each screen's instruction (shown, and read aloud when speech is on) ---
    "screen.attract": ("请选择您要办理的业务。", "Please choose what you would like to do."),
    "screen.identify": ("请将证件资料页朝下放在扫描区，芯片将自动读取。",
                        "Place your document's photo page face down on the scanner; "
                        "its chip is read automatically."),
    "screen.identify_typed": ("请输入证件资料页上的证件号码、出生日期和有效期，然后读取芯片。",
                              "Type the document number, date of birth and expiry date from "
                              "the photo page, then read the chip."),
    "screen.identify_confirm": ("请核对证件信息，无误后点击确认。",
                                "Check the details read from the chip, then tap Confirm."),
    "screen.staff_sign_in": ("工作人员请放置工作证并输入6位密码。",
                             "Staff: place your staff card and enter your 6-digit PIN."),
    "screen.staff_menu": ("请选择：代办业务或终端维护。",
                          "Choose: file for a citizen, or maintain this kiosk."),
    "screen.choose_service": ("请按类别浏览，或输入汉字、拼音或拼音首字母搜索事项。",
                              "Browse by category, or search in Chinese, pinyin or "
                              "pinyin initials."),
    "screen.service": ("请查看办理须知：所需材料、流程、费用和承诺时限。",
                       "Please read what this service needs: materials, steps, fee and time."),
    "screen.form": ("请填写以下信息，带*为必填项。",
                    "Please fill in the fields; * means required."),
    "screen.materials": ("请逐项拍摄所需材料。", "Please scan each material on the list."),
    "screen.capture": ("请将材料平放在扫描区，保持不动，拍摄将自动完成。",
                       "Lay the page flat on the scanner and hold still; it is captured "
                       "automatically."),
    "screen.review": ("请核对全部信息，可点击任一部分修改，确认无误后提交。",
                      "Check everything; tap any part to change it, then submit."),
    "screen.receipt": ("申请已受理，请取走回执。", "Your application is filed. Please take "
                                                 "your receipt."),
    "screen.receipt_on_screen": ("申请已受理。回执未能打印，请用手机拍下二维码和编号。",
                                 "Your application is filed. The receipt could not be "
                                 "printed: photograph the QR code and the numbers."),
    "screen.progress_lookup": ("请扫描回执上的二维码，或输入受理编号和查询码。",
                               "Scan the QR code on your receipt, or type the tracking "
                               "number and query code."),
    "screen.progress": ("以下是您的办理进度。", "Here is the progress of your application."),
    "screen.ticket": ("请选择业务类别取号。", "Choose a category to take a queue number."),
    "screen.ticket_taken": ("这是您的排队号，请取走号票并留意叫号。",
                            "Here is your queue number: take the ticket and wait to be called."),
    "screen.maintenance": ("终端维护。", "Kiosk maintenance."),
    "screen.out_of_service": ("本终端暂停服务。", "This kiosk is out of service."),
    # --- the visit ---
    "visit.timed_out": ("由于长时间未操作，本次办理已结束，您的信息已清除。",
                        "Your session ended after a long pause; your details were erased."),
    "visit.cancelled": ("已取消，您的信息已清除。", "Cancelled; your details were erased."),
    "visit.thank_you": ("感谢使用，您的信息已清除。", "Thank you. Your details were erased."),
    "visit.card_removed": ("证件已被取走，本次办理已结束，您的信息已清除。",
                           "The document was taken away; the session ended and your "
                           "details were erased."),
    "visit.more_time": ("您还需要更多时间吗？{seconds}秒后将结束本次办理。",
                        "Do you need more time? This session ends in {seconds} s."),
    "visit.more_time_button": ("我需要更多时间", "I need more time"),
    "error.unexpected": ("系统出现问题，请重试或联系工作人员。",
                         "Something went wrong. Please try again or ask the staff."),
    # --- what works right now ---
    "avail.file.instead": ("自助申报暂不可用，请到人工窗口办理（可先取号）。",
                           "Filing is not available here now. Please go to a staffed "
                           "window (take a queue number first)."),
    "avail.identify.instead": ("证件读取暂不可用，请到人工窗口办理。",
                               "Reading documents is not available now. Please go to a "
                               "staffed window."),
    "avail.scan.instead": ("材料扫描暂不可用，请到人工窗口提交材料。",
                           "Scanning is not available now. Please hand in papers at a "
                           "staffed window."),
    "avail.print.instead": ("打印机暂不可用，回执将显示在屏幕上，请用手机拍照保存。",
                            "The printer is not available; your receipt will be shown on "
                            "screen: take a photo of it."),
    "avail.progress.instead": ("网络暂不可用，请稍后查询或拨打热线。",
                               "No connection now. Please check later or call the hotline."),
    "avail.ticket.instead": ("网络暂不可用，暂时无法取号，请咨询工作人员。",
                             "No connection now: queue numbers are not available. Please "
                             "ask the staff."),
    "avail.staff.instead": ("工作人员登录暂不可用。", "Staff sign-in is not available now."),
    # --- identify ---
    "identify.read_ok": ("证件芯片读取成功，已验证。", "Chip read and verified."),
    "identify.read_unverified": ("证件芯片已读取，但未能验证真伪。",
                                 "Chip read, but it could not be verified."),
    "identify.chip_failed": ("证件芯片验证失败，请到人工窗口办理。",
                             "The chip failed verification. Please go to a staffed window."),
    "identify.place_on_reader": ("请将证件放在读卡区。", "Please place the document on the "
                                                        "reader."),
    "identify.bac_failed": ("无法打开证件芯片，请核对并输入证件号码、出生日期和有效期。",
                            "The chip would not open. Please check and type the document "
                            "number, birth date and expiry date."),
    "identify.reader_unavailable": ("读卡器暂不可用，请联系工作人员。",
                                    "The reader is not available. Please ask the staff."),
    "identify.read_timeout": ("读取超时，请将证件放稳后重试。",
                              "Reading took too long. Hold the document still and try again."),
    "identify.card_unreadable": ("无法读取该证件，请到人工窗口办理。",
                                 "This document cannot be read. Please go to a staffed "
                                 "window."),
    "identify.bad_document_number": ("证件号码格式不正确。", "The document number is not "
                                                           "valid."),
    "identify.bad_birth_date": ("出生日期格式不正确（例如 1985-03-15）。",
                                "The birth date is not valid (e.g. 1985-03-15)."),
    "identify.bad_expiry_date": ("有效期格式不正确（例如 2033-03-14）。",
                                 "The expiry date is not valid (e.g. 2033-03-14)."),
    # --- staff ---
    "staff.present_card": ("请先放置工作证。", "Please place your staff card first."),
    "staff.enter_pin": ("请输入6位密码。", "Please enter your 6-digit PIN."),
    "staff.pin_format": ("密码为6位数字。", "The PIN is 6 digits."),
    "staff.bad_credentials": ("工作证或密码不正确，还可尝试{left}次。",
                              "Card or PIN not accepted; {left} tries left."),
    "staff.too_many_attempts": ("尝试次数过多，已退出。", "Too many tries; signed out."),
    "staff.no_role": ("该工作证无终端权限。", "This card has no kiosk role."),
    "staff.card_unreadable": ("无法读取工作证，请重新放置。",
                              "The staff card could not be read; please place it again."),
    "staff.sign_in_failed": ("登录失败，请稍后重试。", "Sign-in failed; please try later."),
    # --- services ---
    "service.unknown": ("未找到该事项。", "This service was not found."),
    "service.not_at_kiosk": ("该事项不能在自助终端申报，请到{department}窗口办理。",
                             "This service cannot be filed at the kiosk. Please go to the "
                             "{department} window."),
    # --- form ---
    "form.required": ("此项必填。", "Required."),
    "form.invalid": ("内容不正确。", "Not valid."),
    "form.fix_errors": ("请修改标红的内容。", "Please correct the fields marked in red."),
    "form.too_long": ("不能超过{max}个字。", "At most {max} characters."),
    "form.not_a_number": ("请输入数字。", "Please enter a number."),
    "form.date_incomplete": ("请按 年-月-日 填写完整，例如 2025-06-01。",
                             "Please complete the date as YYYY-MM-DD, e.g. 2025-06-01."),
    "form.bad_date": ("没有这个日期。", "There is no such date."),
    "form.bad_date_format": ("日期格式为 年-月-日，例如 2025-06-01。",
                             "Dates are written YYYY-MM-DD, e.g. 2025-06-01."),
    "form.phone_incomplete": ("号码还没有输完。", "The number is not complete yet."),
    "form.bad_phone": ("请输入11位手机号码或带区号的固定电话。",
                       "Please enter an 11-digit mobile number or a landline with area code."),
    "form.id_incomplete": ("身份证号码为18位，还没有输完。",
                           "The ID number has 18 characters; it is not complete yet."),
    "form.id_too_long": ("身份证号码为18位，输入过多。", "The ID number has 18 characters; "
                                                      "there are too many."),
    "form.id_bad_format": ("身份证号码只能包含数字，最后一位可以是X。",
                           "The ID number has digits only; the last may be X."),
    "form.id_bad_birth_date": ("身份证号码中的出生日期不正确。",
                               "The birth date inside the ID number is not valid."),
    "form.id_bad_check_digit": ("身份证号码有误，请核对每一位。",
                                "This ID number is not valid; please check each character."),
    "form.not_an_option": ("请从选项中选择。", "Please choose one of the options."),
    # --- materials and capture ---
    "materials.required": ("此项材料必须提交。", "This material is required."),
    "materials.missing": ("还缺少：{names}", "Still missing: {names}"),
    "capture.check_page": ("请检查拍摄的页面是否清晰完整。", "Check that the page is sharp "
                                                          "and whole."),
    "capture.bad_image": ("拍摄失败，请重试。", "The capture failed; please try again."),
    "capture.max_pages": ("此项材料最多{max}页。", "This material has at most {max} pages."),
    "capture.retake_pending": ("请先重拍这一页。", "Please retake this page first."),
    "capture.place_document": ("请将材料放在扫描区。", "Place the page on the scanner."),
    "capture.move_into_frame": ("请将材料完整放入框内。", "Move the whole page into the frame."),
    "capture.move_closer": ("请将材料放近一些。", "Move the page closer."),
    "capture.too_blurry": ("画面不清晰，请保持不动。", "Blurry: please hold still."),
    "capture.glare": ("有反光，请调整角度。", "Glare: please tilt the page."),
    "capture.hold_still": ("请保持不动。", "Hold still."),
    # --- review, submit, receipt ---
    "review.fix_field": ("还有内容需要修改。", "Something still needs correcting."),
    "submit.storage_full": ("终端存储已满，本次未能提交，请到人工窗口办理。",
                            "The kiosk's storage is full; nothing was filed. Please go to "
                            "a staffed window."),
    "submit.invalid": ("申请内容无法保存，请联系工作人员。",
                       "The application could not be stored. Please ask the staff."),
    "submit.numbers_used_up": ("本终端今天的受理编号已用完，请到人工窗口办理，或明天再来。",
                               "This kiosk has used all of today's tracking numbers. Please "
                               "go to a staffed window, or come back tomorrow."),
    "submit.failed": ("提交失败，请重试。", "Filing failed; please try again."),
    "receipt.take_it": ("请取走回执。", "Please take your receipt."),
    "receipt.print_failed": ("回执打印失败。请用手机拍下屏幕上的二维码和编号，或点击重新打印。",
                             "The receipt did not print. Photograph the QR code and numbers "
                             "on screen, or tap Reprint."),
    "receipt.printer_down": ("打印机暂不可用。请用手机拍下屏幕上的二维码和编号。",
                             "The printer is not available. Photograph the QR code and "
                             "numbers on screen."),
    "receipt.offline": ("已保存在本终端，网络恢复后自动提交，无需重复办理。",
                        "Stored on this kiosk and sent automatically when the connection "
                        "returns. No need to file again."),
    # --- progress and supplements ---
    "progress.bad_code": ("无法识别该二维码，请扫描受理回执上的二维码。",
                          "This code is not a receipt's. Please scan the QR code on your "
                          "receipt."),
    "progress.bad_tracking_no": ("受理编号格式不正确。", "The tracking number is not valid."),
    "progress.bad_query_code": ("查询码为6位字母或数字。", "The query code is 6 letters or "
                                                        "digits."),
    "progress.not_found": ("未找到该申请，请核对受理编号和查询码。",
                           "No application found; please check the number and code."),
    "supplement.nothing_missing": ("没有需要补交的材料。", "Nothing needs to be added."),
    "supplement.not_awaiting": ("该申请当前不需要补交材料。",
                                "This application is not waiting for materials."),
    "supplement.rejected": ("补交的材料未被接受，请联系工作人员。",
                            "The materials were not accepted. Please ask the staff."),
    "platform.unreachable": ("网络连接中断，请稍后重试。", "The connection is down; please "
                                                        "try again later."),
    "platform.bad_answer": ("服务暂时异常，请稍后重试。", "The service answered oddly; "
                                                      "please try again later."),
    # --- tickets ---
    "ticket.take_it": ("请取走排队号。", "Please take your queue ticket."),
    "ticket.printer_down": ("打印机不可用，请记下屏幕上的排队号。",
                            "The printer is not available; please note the number on screen."),
    "ticket.failed": ("取号失败，请稍后重试。", "Could not take a number; please try again."),
    "ticket.unknown_category": ("没有这个业务类别。", "There is no such category."),
    # --- maintenance ---
    "maintenance.queue_unreadable": ("无法读取待传队列。", "The outbox could not be read."),
    "maintenance.retried": ("已重新排队{count}件。", "{count} put back in the queue."),
    "maintenance.retry_failed": ("重新排队失败。", "Retry failed."),
    "maintenance.printed": ("测试页已打印。", "Test page printed."),
    "maintenance.print_failed": ("测试打印失败。", "Test print failed."),
    "maintenance.catalog_reloaded": ("事项目录已更新。", "Catalog reloaded."),
    "maintenance.catalog_unchanged": ("事项目录无变化。", "The catalog is unchanged."),
    "maintenance.catalog_failed": ("事项目录更新失败，继续使用本地副本。",
                                   "Catalog reload failed; the local copy stays in use."),
}

_reported: set[str] = set()


def text(key: str, lang: str, **params: object) -> str:
    """The text of `key` in `lang` (zh or en) with its parameters filled in."""
    entry = MESSAGES.get(key)
    if entry is None:
        if key not in _reported:
            _reported.add(key)
            log.warning("i18n_missing key=%s", key)
        return key
    template = entry[1] if lang == "en" else entry[0]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.warning("i18n_bad_params key=%s", key)
        return template
