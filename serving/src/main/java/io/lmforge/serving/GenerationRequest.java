package io.lmforge.serving;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A completion or chat completion request, parsed strictly from OpenAI's JSON: an unknown field,
 * a value of the wrong type or out of range is an {@link ApiError} naming the field. JSON null
 * means "not given". Token limits against the model's context are checked later, once the prompt
 * is tokenized.
 *
 * @param chat        chat completion (messages) or completion (prompt)
 * @param prompt      the prompt text (a chat's rendered by {@link ChatTemplate})
 * @param maxTokens   null: the server's default, capped by what the context leaves
 * @param seed        null: a fresh seed
 */
public record GenerationRequest(boolean chat, String prompt, Integer maxTokens, double temperature, double topP,
                                double repetitionPenalty, List<String> stop, Long seed, boolean stream,
                                boolean includeUsage) {

    public GenerationRequest {
        if (prompt == null) {
            throw ApiError.invalid(chat ? "messages" : "prompt", (chat ? "'messages'" : "'prompt'") + " is required");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw ApiError.invalid("max_tokens", "max_tokens must be in [1, " + Integer.MAX_VALUE + "], got " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiError.invalid("temperature", "temperature must be in [0, 2], got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0 && repetitionPenalty <= 100)) {
            throw ApiError.invalid("repetition_penalty", "repetition_penalty must be in (0, 100], got " + repetitionPenalty);
        }
        if (stop.size() > MAX_STOPS) {
            throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOPS + " strings");
        }
        stop = List.copyOf(stop);
    }

    private static final Set<String> COMMON = Set.of("model", "max_tokens", "temperature", "top_p", "stop", "seed",
            "stream", "stream_options", "repetition_penalty", "n", "user");
    private static final Set<String> COMPLETION_ONLY = Set.of("prompt");
    private static final Set<String> CHAT_ONLY = Set.of("messages", "max_completion_tokens");
    static final int MAX_STOPS = 4;

    public static GenerationRequest parse(String body, boolean chat) {
        JsonObject o = object(body);
        for (String key : o.keySet()) {
            if (!COMMON.contains(key) && !(chat ? CHAT_ONLY : COMPLETION_ONLY).contains(key)) {
                throw ApiError.invalid(key, "unknown field '" + key + "' (" + (chat ? "chat completions" : "completions")
                        + " accept " + String.join(", ", known(chat)) + ")");
            }
        }
        string(o, "model");
        string(o, "user");
        Integer n = integer(o, "n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw ApiError.invalid("n", "only n = 1 is supported");
        }
        String prompt;
        if (chat) {
            prompt = ChatTemplate.render(messages(o));
        } else {
            prompt = prompt(o);
        }
        Integer maxTokens = integer(o, "max_tokens", 1, Integer.MAX_VALUE);
        if (chat) {
            Integer mct = integer(o, "max_completion_tokens", 1, Integer.MAX_VALUE);
            if (mct != null) {
                if (maxTokens != null && !maxTokens.equals(mct)) {
                    throw ApiError.invalid("max_completion_tokens", "max_tokens and max_completion_tokens differ");
                }
                maxTokens = mct;
            }
        }
        Double temperature = number(o, "temperature");
        Double topP = number(o, "top_p");
        Double penalty = number(o, "repetition_penalty");
        Long seed = longValue(o, "seed");
        Boolean stream = bool(o, "stream");
        boolean includeUsage = false;
        JsonElement so = present(o, "stream_options");
        if (so != null) {
            if (!so.isJsonObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            for (String k : so.getAsJsonObject().keySet()) {
                if (!k.equals("include_usage")) {
                    throw ApiError.invalid("stream_options." + k, "unknown field 'stream_options." + k + "'");
                }
            }
            Boolean iu = bool(so.getAsJsonObject(), "include_usage");
            includeUsage = iu != null && iu;
        }
        return new GenerationRequest(chat, prompt, maxTokens, temperature == null ? 1 : temperature,
                topP == null ? 1 : topP, penalty == null ? 1 : penalty, stops(o), seed, stream != null && stream,
                includeUsage);
    }

    private static List<String> known(boolean chat) {
        List<String> k = new ArrayList<>(chat ? CHAT_ONLY : COMPLETION_ONLY);
        k.addAll(COMMON);
        k.sort(null);
        return k;
    }

    /** The body as one JSON object; anything else (malformed, trailing data, an array) is a 400. */
    static JsonObject object(String body) {
        try {
            JsonReader reader = new JsonReader(new StringReader(body));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw ApiError.invalid(null, "the body has data after its JSON value");
            }
            if (!e.isJsonObject()) {
                throw ApiError.invalid(null, "the body must be a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw ApiError.invalid(null, "malformed JSON: " + why.lines().findFirst().orElse(why));
        }
    }

    private static String prompt(JsonObject o) {
        JsonElement p = present(o, "prompt");
        if (p == null) {
            throw ApiError.invalid("prompt", "'prompt' is required");
        }
        if (p.isJsonArray()) {
            JsonArray a = p.getAsJsonArray();
            if (a.size() != 1 || !isString(a.get(0))) {
                throw ApiError.invalid("prompt", "prompt must be a string or an array of one string (batches of "
                        + "prompts are separate requests here)");
            }
            return a.get(0).getAsString();
        }
        if (!isString(p)) {
            throw ApiError.invalid("prompt", "prompt must be a string, got " + kind(p));
        }
        return p.getAsString();
    }

    private static List<ChatTemplate.Message> messages(JsonObject o) {
        JsonElement m = present(o, "messages");
        if (m == null) {
            throw ApiError.invalid("messages", "'messages' is required");
        }
        if (!m.isJsonArray() || m.getAsJsonArray().isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array of {role, content}");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        JsonArray a = m.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
            String at = "messages[" + i + "]";
            if (!a.get(i).isJsonObject()) {
                throw ApiError.invalid(at, at + " must be an object {role, content}");
            }
            JsonObject msg = a.get(i).getAsJsonObject();
            for (String k : msg.keySet()) {
                if (!Set.of("role", "content", "name").contains(k)) {
                    throw ApiError.invalid(at + "." + k, "unknown field '" + k + "' in " + at);
                }
            }
            String role = string(msg, "role");
            if (role == null || !Set.of("system", "user", "assistant", "developer").contains(role)) {
                throw ApiError.invalid(at + ".role", at + ".role must be system, developer, user or assistant");
            }
            out.add(new ChatTemplate.Message(role.equals("developer") ? "system" : role, content(msg.get("content"), at)));
        }
        return out;
    }

    /** A string, or an array of {type: text, text} parts (joined). */
    private static String content(JsonElement c, String at) {
        if (c == null || c.isJsonNull()) {
            throw ApiError.invalid(at + ".content", at + ".content is required");
        }
        if (isString(c)) {
            return c.getAsString();
        }
        if (c.isJsonArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonElement part : c.getAsJsonArray()) {
                if (part.isJsonObject() && "text".equals(string(part.getAsJsonObject(), "type"))
                        && isString(part.getAsJsonObject().get("text"))) {
                    text.append(part.getAsJsonObject().get("text").getAsString());
                } else {
                    throw ApiError.invalid(at + ".content", "only text content parts are supported");
                }
            }
            return text.toString();
        }
        throw ApiError.invalid(at + ".content", at + ".content must be a string, got " + kind(c));
    }

    private static List<String> stops(JsonObject o) {
        JsonElement s = present(o, "stop");
        if (s == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (isString(s)) {
            out.add(s.getAsString());
        } else if (s.isJsonArray() && s.getAsJsonArray().size() <= MAX_STOPS) {
            for (JsonElement e : s.getAsJsonArray()) {
                if (!isString(e)) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                }
                out.add(e.getAsString());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOPS + " strings");
        }
        return out;
    }

    private static JsonElement present(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!isString(e)) {
            throw ApiError.invalid(key, key + " must be a string, got " + kind(e));
        }
        return e.getAsString();
    }

    private static Boolean bool(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw ApiError.invalid(key, key + " must be a boolean, got " + kind(e));
        }
        return e.getAsBoolean();
    }

    private static Double number(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiError.invalid(key, key + " must be a number, got " + kind(e));
        }
        return e.getAsDouble();
    }

    private static Long longValue(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiError.invalid(key, key + " must be an integer, got " + kind(e));
        }
        try {
            return new BigDecimal(e.getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException x) {
            throw ApiError.invalid(key, key + " must be an integer of at most 64 bits, got " + e.getAsString());
        }
    }

    private static Integer integer(JsonObject o, String key, int min, int max) {
        Long v = longValue(o, key);
        if (v == null) {
            return null;
        }
        if (v < min || v > max) {
            throw ApiError.invalid(key, key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v.intValue();
    }
}
