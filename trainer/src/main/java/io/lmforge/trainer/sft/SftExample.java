package io.lmforge.trainer.sft;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.lmforge.model.eval.JsonLines;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One supervised fine-tuning example as text segments, each trained on or not, in the corpus's
 * dialog format: ingest renders {@code {"context", "response"}} as {@code context + "\n\n" +
 * response}, and the server's chat template renders {@code messages} the same way (each message's
 * content, then a blank line; the model answers after the last one). So a context is
 * {@code context + "\n\n"} (not trained on) and the response follows it (trained on); the packer
 * adds bos before and a trained eos after, as generation starts with bos and stops at eos.
 *
 * <p>A {@code messages} record ({@code [{"role": "system"|"user"|"assistant", "content"}]}) trains
 * on every assistant message; the last message must be the assistant's.
 *
 * @param source   "FILE line N", for error messages and the quarantine
 * @param domain   the record's {@code domain} (or {@code metadata.domain}), else {@link #DEFAULT_DOMAIN}
 * @param segments in order; the last one is the final response
 */
public record SftExample(String source, String domain, List<Segment> segments) {
    /** The separator after each turn: ingest's and the chat template's blank line. */
    public static final String SEPARATOR = "\n\n";
    public static final String DEFAULT_DOMAIN = "sft";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    /** Text and whether the loss counts its tokens. */
    public record Segment(String text, boolean trained) {
    }

    /**
     * Reads one JSON line; {@link IllegalArgumentException} names what is wrong with it (the
     * caller adds file and line).
     */
    public static SftExample parse(JsonObject json, String source) {
        List<Segment> segments = new ArrayList<>();
        if (json.has("messages")) {
            messages(json.get("messages"), segments);
        } else {
            String context = JsonLines.string(json, "context");
            String response = JsonLines.string(json, "response");
            if (response.isBlank()) {
                throw new IllegalArgumentException("\"response\" is empty");
            }
            segments.add(new Segment(context + SEPARATOR, false));
            segments.add(new Segment(response, true));
        }
        return new SftExample(source, domain(json), List.copyOf(segments));
    }

    private static void messages(JsonElement value, List<Segment> segments) {
        if (!value.isJsonArray() || value.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException("\"messages\" must be a non-empty array");
        }
        JsonArray messages = value.getAsJsonArray();
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isJsonObject()) {
                throw new IllegalArgumentException("messages[" + i + "] is not an object");
            }
            JsonObject m = messages.get(i).getAsJsonObject();
            String role;
            String content;
            try {
                role = JsonLines.string(m, "role");
                content = JsonLines.string(m, "content");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("messages[" + i + "]: " + e.getMessage());
            }
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException("messages[" + i + "]: role \"" + role
                        + "\" is not system, user or assistant");
            }
            boolean last = i == messages.size() - 1;
            if (role.equals("assistant")) {
                if (content.isBlank()) {
                    throw new IllegalArgumentException("messages[" + i + "]: the assistant's content is empty");
                }
                segments.add(new Segment(content, true));
                if (!last) {
                    segments.add(new Segment(SEPARATOR, false));
                }
            } else if (last) {
                throw new IllegalArgumentException("the last message is the " + role
                        + "'s; it must be the assistant's (the response to train on)");
            } else {
                segments.add(new Segment(content + SEPARATOR, false));
            }
        }
    }

    private static String domain(JsonObject json) {
        String domain = JsonLines.string(json, "domain", null);
        if (domain == null && json.has("metadata") && json.get("metadata").isJsonObject()) {
            domain = JsonLines.string(json.getAsJsonObject("metadata"), "domain", null);
        }
        return domain == null || domain.isBlank() ? DEFAULT_DOMAIN : domain;
    }
}
