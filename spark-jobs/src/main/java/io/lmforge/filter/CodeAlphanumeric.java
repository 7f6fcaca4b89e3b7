package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.regexp_replace;

/** StarCoder: at least 25% of a source file's characters are letters or digits (else data, binary-ish). */
record CodeAlphanumeric(double minShare) implements FilterStep {
    static final String SIGNAL = "code_alnum_share";

    static CodeAlphanumeric from(Settings s) {
        CodeAlphanumeric out = new CodeAlphanumeric(s.decimal("min-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "code-alphanumeric";
    }

    @Override
    public Target target() {
        return Target.CODE;
    }

    @Override
    public Map<String, Column> signals() {
        String notAlnum = "[^0-9" + TextViews.LETTER.substring(1);
        return Map.of(SIGNAL, Rules.ratio(length(regexp_replace(TextViews.text(), notAlnum, "")), length(TextViews.text())));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("code_low_alnum", SIGNAL, minShare));
    }
}
