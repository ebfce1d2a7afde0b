"""The catalog: parsing the contract's JSON, the on-disk cache with its ETag against the
real platform simulator, starting offline from the cache, and pinyin search."""

from __future__ import annotations

import copy
import json
import logging

import pytest

from kiosk.catalog import (
    CatalogError,
    CatalogStore,
    categories_with_services,
    parse_catalog,
    parse_service,
)
from offline_queue.client import CatalogReply, PlatformClient
from offline_queue.settings import load_queue_settings
from sim.platform.catalog import build_catalog
from tests.conftest import write_config


@pytest.fixture(scope="module")
def doc():
    return build_catalog(3)


@pytest.fixture(scope="module")
def catalog(doc):
    return parse_catalog(doc)


def well_known(doc):
    return copy.deepcopy(next(s for s in doc["services"] if s["code"] == "CR-HZ-0001"))


# --- parsing ----------------------------------------------------------------------------


def test_the_simulated_catalog_parses_whole(catalog):
    assert len(catalog.services) == 756 and len(catalog.categories) == 12
    assert catalog.skipped == 0
    s = catalog.service("CR-HZ-0001")
    assert s.name.zh == "护照首次申领" and s.kiosk_filing and s.promised_days == 7
    assert [f.type for f in s.form][:5] == ["text", "id_number", "phone", "date", "select"]
    assert s.form[4].options[0].value and s.form[4].options[0].label.en
    assert [m.code for m in s.materials] == ["id_card_copy", "photo", "household_register"]
    assert s.material("photo").max_pages == 1 and not s.material("household_register").required
    info = s.info()  # what the receipt module takes
    assert info.materials["photo"].zh == "近期免冠证件照"


def test_browse_by_category(catalog):
    counts = dict((c.code, n) for c, n in categories_with_services(catalog))
    assert sum(counts.values()) == 756 and counts["CR"] == 63
    assert all(s.category == "CR" for s in catalog.in_category("CR"))
    assert catalog.category("CR").name.zh == "出入境"
    assert catalog.category("ZZ") is None and catalog.service("nope") is None


@pytest.mark.parametrize(("change", "where"), [
    (lambda s: s.pop("name"), "name"),
    (lambda s: s.update(name={"en": "no zh"}), "name"),
    (lambda s: s.update(promised_days=-1), "promised_days"),
    (lambda s: s.update(promised_days="7"), "promised_days"),
    (lambda s: s.update(kiosk_filing="yes"), "kiosk_filing"),
    (lambda s: s.update(fee_cny=True), "fee_cny"),
    (lambda s: s.update(delivery=["drone"]), "delivery"),
    (lambda s: s["form"][0].update(type="colour"), "form[0].type"),
    (lambda s: s["form"][4].update(options=[]), "form[4]"),
    (lambda s: s["form"][0].update(max_length=0), "form[0].max_length"),
    (lambda s: s["form"].append(dict(s["form"][0])), "form"),
    (lambda s: s["materials"][0].update(kind="video"), "materials[0].kind"),
    (lambda s: s["materials"][0].update(max_pages=0), "materials[0].max_pages"),
    (lambda s: s.update(materials="none"), "materials"),
    (lambda s: s["steps"].append("plain string"), "steps[7]"),
])
def test_a_malformed_service_says_where(doc, change, where):
    entry = well_known(doc)
    change(entry)
    with pytest.raises(CatalogError) as err:
        parse_service(entry, "svc")
    assert str(err.value).startswith(f"svc.{where}")


def test_a_malformed_service_is_skipped_and_logged_not_fatal(doc, caplog):
    broken = copy.deepcopy(doc)
    broken["services"][5]["form"] = "oops"
    broken["services"][9]["category"] = "ZZ"
    broken["services"].append(copy.deepcopy(broken["services"][0]))  # a duplicate code
    broken["services"].append(42)
    caplog.set_level(logging.WARNING, "kiosk.catalog")
    catalog = parse_catalog(broken)
    assert len(catalog.services) == 756 - 2 and catalog.skipped == 4
    assert [r.getMessage().split(" reason=")[1].split(":")[0] for r in caplog.records] == [
        "catalog.services[5].form", "catalog.services[9].category",
        "catalog.services[756].code", "catalog.services[757]"]


@pytest.mark.parametrize("bad", [
    None, [], {"categories": [], "services": []}, {"version": "v", "categories": {},
                                                   "services": []},
    {"version": "v", "categories": [], "services": []},  # nothing usable
    {"version": "v", "categories": [{"code": "A"}], "services": []},
])
def test_a_catalog_without_its_frame_is_refused(bad):
    with pytest.raises(CatalogError):
        parse_catalog(bad)


def test_english_may_be_missing_and_falls_back_to_chinese(doc):
    entry = well_known(doc)
    entry["name"] = {"zh": "护照首次申领"}
    s = parse_service(entry)
    assert s.name.get("en") == "护照首次申领" and s.info().name.get("en") == "护照首次申领"


# --- search ---------------------------------------------------------------------------------


def names(hits, n=None):
    return [h.service.name.zh for h in hits[:n]]


def test_pinyin_initials_find_the_passport_services_first(catalog):
    hits = catalog.search("hz")
    passport = [s.name.zh for s in catalog.in_category("CR") if s.name.zh.startswith("护照")]
    assert len(passport) == 7
    assert sorted(names(hits, 7)) == sorted(passport)
    assert all(h.rank == 1 and h.matched == "initials" for h in hits[:7])
    assert names(catalog.search("hzsc"), 1) == ["护照首次申领"]
    assert names(catalog.search("yyzz"), 1)[0].startswith("营业执照")
    assert names(catalog.search("ＨＺ"), 7) == names(hits, 7)  # full-width from an IME


def test_full_pinyin_chinese_and_english(catalog):
    assert names(catalog.search("huzhao"), 7) == names(catalog.search("hz"), 7)
    assert names(catalog.search("hu zhao shou"), 1) == ["护照首次申领"]
    assert names(catalog.search("护照"), 7) == names(catalog.search("hz"), 7)
    en = catalog.search("passport first")
    assert names(en, 1) == ["护照首次申领"] and en[0].matched == "en"
    assert catalog.search("Passport")[0].service.name.en.startswith("Passport")


def test_ranking_exact_then_prefix_then_syllable_then_anywhere(catalog):
    exact = catalog.search("护照首次申领")
    assert exact[0].rank == 0 and exact[0].service.code == "CR-HZ-0001"
    prefix = catalog.search("首次")
    anywhere = [h for h in prefix if not h.service.name.zh.startswith("首次")]
    assert prefix[0].rank <= anywhere[0].rank
    zhao = catalog.search("zhao")  # starts a syllable of hu-zhao, ying-ye-zhi-zhao
    assert zhao and all(h.rank == 2 for h in zhao)
    assert "护照首次申领" in names(zhao) and any(n.startswith("营业执照") for n in names(zhao))
    ranks = [h.rank for h in catalog.search("zheng")]
    assert ranks == sorted(ranks)


def test_search_odd_input(catalog):
    assert catalog.search("") == [] and catalog.search("   ") == []
    assert catalog.search("xqzv") == []
    assert catalog.search("'; DROP TABLE") == []
    assert len(catalog.search("a", limit=5)) == 5
    assert catalog.search("cr-hz-0001")[0].rank == 0


# --- the store: cache, ETag, offline start ----------------------------------------------


def test_store_fetches_caches_and_uses_the_etag(tmp_path, platform):
    settings = load_queue_settings(write_config(tmp_path, platform.base_url))
    client = PlatformClient(settings.platform, settings.kiosk.id)
    path = tmp_path / "cache" / "catalog.json"
    store = CatalogStore(path, client)
    assert store.catalog is None
    first = store.refresh()
    assert first.changed and first.source == "platform"
    assert store.catalog.version == "sim-s3-r1" and store.etag
    assert json.loads(path.read_text())["etag"] == store.etag
    assert [p.name for p in path.parent.iterdir()] == ["catalog.json"]  # no temp left

    again = store.refresh()
    assert not again.changed and again.source == "unchanged"  # 304
    assert platform.audit()["counts"]["GET /catalog"] == 2

    # Every answer corrupt (one alone is absorbed by the client's inline retries).
    platform.set_faults([{"path": "/api/v1/catalog", "kind": "corrupt"}])
    corrupt = store.refresh()  # 200 with a body that is not JSON
    assert corrupt.error == "platform_error" and store.catalog.version == "sim-s3-r1"
    platform.set_faults([])

    platform.bump_catalog()
    bumped = store.refresh()
    assert bumped.changed and store.catalog.version == "sim-s3-r2"
    assert json.loads(path.read_text())["catalog"]["version"] == "sim-s3-r2"
    client.close()


def test_the_kiosk_starts_from_the_cache_while_the_platform_is_down(tmp_path, platform):
    settings = load_queue_settings(write_config(tmp_path, platform.base_url))
    client = PlatformClient(settings.platform, settings.kiosk.id)
    path = tmp_path / "catalog.json"
    CatalogStore(path, client).refresh()
    client.close()
    platform.stop()

    restarted = CatalogStore(path, PlatformClient(settings.platform, settings.kiosk.id))
    assert restarted.catalog is not None and len(restarted.catalog.services) == 756
    result = restarted.refresh()
    assert result == type(result)(False, "cache", "platform_unreachable")
    assert restarted.catalog.service("CR-HZ-0001") is not None

    platform.start()
    assert restarted.refresh().source == "unchanged"  # the ETag survived the restart


class Source:
    def __init__(self, reply):
        self.reply = reply

    def fetch_catalog(self, etag=None):
        return self.reply


def test_a_bad_catalog_from_the_platform_keeps_the_cache(tmp_path, doc, caplog):
    path = tmp_path / "catalog.json"
    store = CatalogStore(path, Source(CatalogReply(True, '"v1"', doc)))
    store.refresh()
    store.client = Source(CatalogReply(True, '"v2"', {"version": "v2", "categories": [],
                                                      "services": [{"code": 1}]}))
    result = store.refresh()
    assert result.error == "bad_catalog" and store.catalog.version == "sim-s3-r1"
    assert store.etag == '"v1"'


def test_a_corrupt_cache_is_ignored_with_a_log_line(tmp_path, caplog, doc):
    path = tmp_path / "catalog.json"
    path.write_text('{"etag": "x", "catalog": {"version": ')
    caplog.set_level(logging.WARNING, "kiosk.catalog")
    store = CatalogStore(path, Source(CatalogReply(True, '"v1"', doc)))
    assert store.catalog is None
    assert "catalog_cache_unreadable" in caplog.text
    assert store.refresh().changed and store.catalog is not None
    path.write_text(json.dumps({"etag": "x", "catalog": {"version": "v", "categories": [],
                                                         "services": []}}))
    assert CatalogStore(path, None).catalog is None
    assert "catalog_cache_invalid" in caplog.text
