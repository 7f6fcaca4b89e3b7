package io.lmforge.config;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings settings(String hocon) {
        return Settings.parse(hocon, "test.conf", "lmforge.settings-test");
    }

    @Test
    void readsTheUsersValueElseTheReferences() {
        Settings s = settings("size = 7");
        assertEquals(7, s.integer("size"));
        assertEquals(List.of("a", "b"), s.strings("list"));
        assertTrue(s.section("inner").bool("flag"));
        assertEquals(3, settings("").integer("size"));
        assertFalse(settings("inner { flag = false }").section("inner").bool("flag"));
    }

    @Test
    void aKeyWithoutDefaultIsRequiredOrComputed() {
        Settings s = settings("");
        assertTrue(assertThrows(InvalidConfigException.class, () -> s.string("name")).getMessage().contains("name"));
        assertTrue(s.optionalString("name").isEmpty());
        assertEquals(42, s.integer("computed", 42));
        assertEquals(5, settings("computed = 5").integer("computed", 42));
        assertFalse(s.has("size"), "has() is about the user's config only");
    }

    @Test
    void aKeyMissingFromTheReferenceIsAProgrammingError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> settings("").integer("sizes"));
        assertTrue(e.getMessage().contains("lmforge.settings-test.sizes"), e.getMessage());
        assertTrue(e.getMessage().contains("reference.conf"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> settings("").section("inner").bool("other"));
        assertThrows(IllegalStateException.class, () -> settings("sizes = 1").has("sizes"));
    }

    @Test
    void openMapsAndListsAreReplacedWhole() {
        assertEquals(Map.of("x", 1.0), settings("").numberMap("weights"));
        assertEquals(Map.of("y", 2.0), settings("weights { y = 2 }").numberMap("weights"));
        assertEquals(List.of("c"), settings("list = [c]").strings("list"));
    }

    @Test
    void itemsTakeTheirReferenceSection() {
        List<Settings> items = settings("items = [{ id = a }, { id = b, weight = 2 }]").sections("items", "item-defaults");
        assertEquals(1.5, items.get(0).decimal("weight"));
        assertEquals(2.0, items.get(1).decimal("weight"));
        assertEquals("b", items.get(1).string("id"));
        assertTrue(settings("").sections("items", "item-defaults").isEmpty());
        Settings bad = settings("items = [{ weight = 2 }]").sections("items", "item-defaults").get(0);
        assertTrue(assertThrows(InvalidConfigException.class, () -> bad.string("id")).getMessage().contains("items[0].id"));
    }

    @Test
    void unknownKeysAreTheUsersAndNameTheirPath() {
        Settings s = settings("size = 1, sise = 2, inner { flga = true }");
        s.integer("size");
        Settings inner = s.section("inner");
        inner.bool("flag");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, inner::requireNoUnknownKeys);
        assertTrue(e.getMessage().contains("inner.flga"), e.getMessage());
        e = assertThrows(InvalidConfigException.class, s::requireNoUnknownKeys);
        assertTrue(e.getMessage().contains("sise"), e.getMessage());
        // Defaults the user did not set are never unknown.
        Settings empty = settings("");
        empty.integer("size");
        empty.requireNoUnknownKeys();
        assertFalse(empty.raw().hasPath("size"), "raw() is the user's config, without defaults");
    }

    @Test
    void recordsTheReferencePathOfEveryRead() {
        Set<String> read = Settings.recordReads(() -> {
            Settings s = settings("items = [{ id = a }]");
            s.integer("size");
            s.section("inner").bool("flag");
            s.sections("items", "item-defaults").get(0).decimal("weight");
        });
        assertTrue(read.containsAll(List.of("lmforge.settings-test.size", "lmforge.settings-test.inner.flag",
                "lmforge.settings-test.item-defaults.weight")), read.toString());
    }

    @Test
    void ofTakesTheReferenceSectionOfItsPath() {
        Settings inner = Settings.of(ConfigFactory.empty(), "lmforge.settings-test", "inner");
        assertTrue(inner.bool("flag"));
        assertEquals("inner.flag", inner.name("flag"));
        assertThrows(IllegalStateException.class, () -> Settings.of(ConfigFactory.empty(), "lmforge.nowhere", ""));
    }
}
