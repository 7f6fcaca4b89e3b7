package io.lmforge.tokenizer;

import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The names of the special tokens, by role. A trained tokenizer gives them ids 0..3 in this order
 * (bos, eos, pad, unk); a released tokenizer has its own names, looked up in its vocabulary, and
 * may lack any of them (Qwen's has no bos).
 */
public record SpecialTokens(Optional<String> bos, Optional<String> eos, Optional<String> pad, Optional<String> unk)
        implements Serializable {

    public static final SpecialTokens DEFAULT = new SpecialTokens(Optional.of("<bos>"), Optional.of("<eos>"),
            Optional.of("<pad>"), Optional.of("<unk>"));

    /** {@code special-tokens { bos = "<bos>", eos = "<eos>", pad = "<pad>", unk = "<unk>" }}, any key optional. */
    public static SpecialTokens from(Settings s, SpecialTokens defaults) {
        SpecialTokens t = new SpecialTokens(s.has("bos") ? Optional.of(s.string("bos")) : defaults.bos,
                s.has("eos") ? Optional.of(s.string("eos")) : defaults.eos,
                s.has("pad") ? Optional.of(s.string("pad")) : defaults.pad,
                s.has("unk") ? Optional.of(s.string("unk")) : defaults.unk);
        s.requireNoUnknownKeys();
        return t;
    }

    /** Role to name, in id order: bos, eos, pad and unk, where present. */
    public Map<String, String> byRole() {
        Map<String, String> m = new LinkedHashMap<>();
        bos.ifPresent(b -> m.put("bos", b));
        eos.ifPresent(e -> m.put("eos", e));
        pad.ifPresent(p -> m.put("pad", p));
        unk.ifPresent(u -> m.put("unk", u));
        return m;
    }
}
