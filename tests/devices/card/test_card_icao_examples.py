"""ICAO 9303 Part 11, Appendix D worked examples: BAC keys, mutual authentication,
session keys, SSC and the protected SELECT / READ BINARY of EF.COM, byte for byte."""

from __future__ import annotations

import pytest

from devices.card import crypto
from devices.card.apdu import CommandApdu, ResponseApdu
from devices.card.bac import authenticate, keys_from_mrz_information, session_keys
from devices.card.errors import BacFailed, SecureMessagingError
from devices.card.secure_messaging import SecureChannel
from devices.mrz import bac_seed

H = bytes.fromhex
MRZ_INFORMATION = "L898902C<369080619406236"
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = 0x887022120C06C226


def test_mrz_information_comes_from_devices_mrz():
    assert bac_seed("L898902C", "690806", "940623") == MRZ_INFORMATION


def test_d2_key_derivation():
    seed = crypto.bac_key_seed(MRZ_INFORMATION)
    assert seed == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    keys = keys_from_mrz_information(MRZ_INFORMATION)
    assert keys.k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert keys.k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_d3_session_keys():
    ks_enc, ks_mac = session_keys(H("0B795240CB7049B01C19B33E32804F0B"),
                                  H("0B4F80323EB3191CB04970CB4052790B"))
    assert (ks_enc, ks_mac) == (KS_ENC, KS_MAC)


class ScriptedCard:
    """Answers with the worked example's responses, recording what was sent."""

    def __init__(self, answers):
        self.answers = [H(a) for a in answers]
        self.sent: list[bytes] = []

    def __call__(self, cmd: CommandApdu) -> ResponseApdu:
        self.sent.append(cmd.encode())
        return ResponseApdu.from_bytes(self.answers.pop(0))


def _randoms():
    values = {8: H("781723860C06C226"), 16: H("0B795240CB7049B01C19B33E32804F0B")}
    return lambda n: values[n]


def test_d3_mutual_authentication_gives_the_published_session():
    card = ScriptedCard(["4608F919887022129000",
                         "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F"
                         "2F2D235D074D74499000"])
    channel = authenticate(card, keys_from_mrz_information(MRZ_INFORMATION), random=_randoms())
    assert card.sent == [H("0084000008"),
                         H("0082000028" "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F49"
                           "8F76ED92F2" "5F1448EEA8AD90A7" "28")]
    assert (channel.ks_enc, channel.ks_mac, channel.ssc) == (KS_ENC, KS_MAC, SSC)


def test_wrong_mrz_is_a_clear_bac_error():
    card = ScriptedCard(["4608F919887022129000", "6300"])
    with pytest.raises(BacFailed, match="document number, birth date and expiry date"):
        authenticate(card, keys_from_mrz_information("L898902C<369080619406237"),
                     random=_randoms())


def test_d4_protected_select_ef_com_and_its_response():
    ch = SecureChannel(KS_ENC, KS_MAC, SSC)
    wire = ch.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    assert wire == H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert ch.ssc == 0x887022120C06C227
    answer = ch.unprotect(H("990290008E08FA855A5D4C50A8ED9000"))
    assert (answer.data, answer.sw, ch.ssc) == (b"", 0x9000, 0x887022120C06C228)


def test_d4_protected_read_binary_of_ef_com():
    ch = SecureChannel(KS_ENC, KS_MAC, 0x887022120C06C228)
    assert ch.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4)) == H(
        "0CB000000D9701048E08ED6705417E96BA5500")
    head = ch.unprotect(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
    assert (head.data, head.sw) == (H("60145F01"), 0x9000)
    assert ch.protect(CommandApdu(0x00, 0xB0, 0x00, 0x04, le=0x12)) == H(
        "0CB000040D9701128E082EA28A70F3C7B53500")
    rest = ch.unprotect(H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A99029000"
                          "8E08C8B2787EAEA07D749000"))
    assert rest.data == H("04303130365F36063034303030305C026175")


def test_a_flipped_mac_bit_is_refused():
    ch = SecureChannel(KS_ENC, KS_MAC, SSC)
    ch.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    with pytest.raises(SecureMessagingError, match="MAC"):
        ch.unprotect(H("990290008E08FA855A5D4C50A8EC9000"))
