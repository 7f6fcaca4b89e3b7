package io.lmforge.tokenizer;

import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The names of the special tokens, by role. A trained tokenizer gives them ids 0..3 in this order
 * (bos, eos, pad, unk); a released tokenizer has its own names, looked up in its vocabulary.
 */
public record SpecialTokens(String bos, String eos, Optional<String> pad, Optional<String> unk) implements Serializable {

    /** The names reference.conf gives ({@code lmforge.corpus.tokenizer.special-tokens}). */
    public static final SpecialTokens DEFAULT = from(io.lmforge.corpus.CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "tokenizer.special-tokens"));

    /** {@code special-tokens { bos = "<bos>", eos = "<eos>", pad = "<pad>", unk = "<unk>" }}, any key optional. */
    public static SpecialTokens from(Settings s) {
        SpecialTokens t = new SpecialTokens(s.string("bos"), s.string("eos"),
                Optional.of(s.string("pad")), Optional.of(s.string("unk")));
        s.requireNoUnknownKeys();
        return t;
    }

    /** Role to name, in id order: bos, eos, then pad and unk where present. */
    public Map<String, String> byRole() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("bos", bos);
        m.put("eos", eos);
        pad.ifPresent(p -> m.put("pad", p));
        unk.ifPresent(u -> m.put("unk", u));
        return m;
    }
}
