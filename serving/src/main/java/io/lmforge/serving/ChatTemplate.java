package io.lmforge.serving;

import java.util.List;

/**
 * How chat {@code messages} become a prompt: the corpus's dialog format. The ingest stage renders
 * a dialog record ({@code {"context", "response"}}) as {@code context + "\n\n" + response}, so a
 * model trained on it has seen a turn, a blank line, the answer, then the end of the document.
 * Messages are rendered the same way, with no role markers (the corpus has none):
 *
 * <pre>
 *   system? + "\n\n" + user + "\n\n" + assistant + "\n\n" + ... + user + "\n\n"
 * </pre>
 *
 * and the model's continuation is the assistant's answer, ended by {@code <eos>} (or a stop
 * string, or max_tokens). When the last message is the assistant's, the prompt ends with its
 * content (no separator) and the model continues that answer.
 */
public final class ChatTemplate {
    public static final String SEPARATOR = "\n\n";

    /** One chat message; role is system, user or assistant. */
    public record Message(String role, String content) {
    }

    private ChatTemplate() {
    }

    public static String render(List<Message> messages) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            out.append(m.content());
            boolean last = i == messages.size() - 1;
            if (!last || !m.role().equals("assistant")) {
                out.append(SEPARATOR);
            }
        }
        return out.toString();
    }
}
