package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

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
    public Object[] measure(ScannedText t) {
        String s = t.text;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= '0' && c <= '9') || ScannedText.isLetter(c)) {
                n++;
            }
        }
        return new Object[]{ScannedText.ratio(n, ScannedText.codePoints(s))};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("code_low_alnum", SIGNAL, minShare));
    }
}
