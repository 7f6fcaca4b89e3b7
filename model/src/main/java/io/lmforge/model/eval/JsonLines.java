package io.lmforge.model.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON-lines file into records; a line that is not a JSON object or that {@code parse}
 * rejects (by throwing {@link IllegalArgumentException}) becomes an error naming the file and
 * line, and the rest is read. Blank lines are skipped.
 */
public final class JsonLines {
    private JsonLines() {
    }

    /** The records read and the broken lines ("FILE line N: why"). */
    public record Result<T>(List<T> records, List<String> errors) {
    }

    /** @param parse the JSON object and its 1-based line number to a record */
    public static <T> Result<T> read(Path file, LineParser<T> parse) throws IOException {
        List<T> records = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int number = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonElement json = JsonParser.parseString(line);
                    if (!json.isJsonObject()) {
                        throw new IllegalArgumentException("not a JSON object");
                    }
                    records.add(parse.parse(json.getAsJsonObject(), number));
                } catch (JsonParseException e) {
                    errors.add(file + " line " + number + ": not JSON (" + e.getMessage() + ")");
                } catch (IllegalArgumentException | IllegalStateException | ClassCastException
                         | UnsupportedOperationException e) {
                    errors.add(file + " line " + number + ": " + e.getMessage());
                }
            }
        }
        return new Result<>(records, errors);
    }

    /** Parses one line. */
    @FunctionalInterface
    public interface LineParser<T> {
        T parse(JsonObject json, int line);
    }

    /** The string field {@code name}; {@link IllegalArgumentException} if absent or not a string. */
    public static String string(JsonObject json, String name) {
        JsonElement e = json.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("no string field \"" + name + "\"");
        }
        return e.getAsString();
    }

    /** The string field {@code name}, or {@code fallback} when absent. */
    public static String string(JsonObject json, String name, String fallback) {
        return json.has(name) && !json.get(name).isJsonNull() ? string(json, name) : fallback;
    }

}
