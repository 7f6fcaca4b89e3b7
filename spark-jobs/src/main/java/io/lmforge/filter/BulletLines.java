package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/** Gopher: at most 90% of lines may start with a bullet point. */
record BulletLines(double maxShare) implements FilterStep {
    static final String SIGNAL = "bullet_line_share";
    /** Bullet characters, and the ASCII list markers Markdown and plain text use. */
    static final String BULLET = "^[\\x{2022}\\x{2023}\\x{2043}\\x{25E6}\\x{25AA}\\x{25CF}\\x{25A0}\\x{27A2}\\x{27A4}*-]";

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
    public List<Rule> rules() {
        return List.of(Rules.above("bullet_lines", SIGNAL, maxShare));
    }
}
