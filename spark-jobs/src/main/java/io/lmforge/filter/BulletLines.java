package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

/** Gopher: at most 90% of lines may start with a bullet point. */
record BulletLines(double maxShare) implements FilterStep {
    static final String SIGNAL = "bullet_line_share";
    /** Bullet characters, and the ASCII list markers Markdown and plain text use. */
    static final String BULLET = "^[\\x{2022}\\x{2023}\\x{2043}\\x{25E6}\\x{25AA}\\x{25CF}\\x{25A0}\\x{27A2}\\x{27A4}*-]";

    /** The first character of BULLET's class. */
    static boolean isBullet(char c) {
        return c == 0x2022 || c == 0x2023 || c == 0x2043 || c == 0x25E6 || c == 0x25AA || c == 0x25CF || c == 0x25A0
                || c == 0x27A2 || c == 0x27A4 || c == '*' || c == '-';
    }

    static BulletLines from(Settings s) {
        BulletLines out = new BulletLines(s.decimal("max-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "bullet-lines";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, LineShare.matching(BULLET));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{t.lineShare(l -> isBullet(l.charAt(0)))};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("bullet_lines", SIGNAL, maxShare));
    }
}
