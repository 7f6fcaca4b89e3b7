package io.lmforge.pipeline;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code refresh} section: how {@code lmforge corpus --root ROOT --refresh} keeps its runs.
 *
 * @param keepRuns   runs whose documents are kept (the new one included)
 * @param ledgerBy   {@code listing} (size and modification time) or {@code content} (SHA-256)
 * @param shardsFrom {@code new} (this run's documents) or {@code all} (every kept run's)
 * @param leaseTtl   how long a refresh's lease on ROOT lasts
 */
public record RefreshSettings(int keepRuns, String ledgerBy, String shardsFrom, Duration leaseTtl) implements Serializable {

    public static RefreshSettings from(Settings s) {
        int keep = s.integer("keep-runs");
        if (keep < 1) {
            throw new InvalidConfigException(s.name("keep-runs") + " = " + keep + ": keep at least the new run");
        }
        RefreshSettings out = new RefreshSettings(keep,
                s.oneOf("ledger-by", s.string("ledger-by"), Set.of("listing", "content")),
                s.oneOf("shards-from", s.string("shards-from"), Set.of("new", "all")),
                s.duration("lease-ttl"));
        s.requireNoUnknownKeys();
        return out;
    }
}
