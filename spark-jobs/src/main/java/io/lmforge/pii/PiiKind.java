package io.lmforge.pii;

import java.util.Locale;

/** What the masker finds, in the order overlapping finds are resolved (earlier wins). */
public enum PiiKind {
    PRIVATE_KEY("<PRIVATE_KEY>"),
    SECRET("<SECRET>"),
    EMAIL("<EMAIL>"),
    CARD(null),
    CN_ID("<CN_ID>"),
    IPV6("<IPV6>"),
    IPV4("<IPV4>"),
    PHONE("<PHONE>");

    private final String placeholder;

    PiiKind(String placeholder) {
        this.placeholder = placeholder;
    }

    /** The replacement; cards keep their last four digits instead (see {@link Checksums#maskCard}). */
    public String placeholder() {
        return placeholder;
    }

    /** The name in config and in the {@code pii} signal column. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PiiKind parse(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
