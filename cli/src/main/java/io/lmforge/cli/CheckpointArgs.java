package io.lmforge.cli;

import ai.djl.Device;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.quantize.Quantization;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads the checkpoint a {@code --checkpoint} option names. A path that is not a checkpoint, a
 * file that fails its hash, a tokenizer that does not match: all are the user's to fix, so they
 * become an {@link InputException} (one line, exit 2) instead of a stack trace.
 */
public final class CheckpointArgs {
    private CheckpointArgs() {
    }

    public static CheckpointModel load(Path checkpoint) {
        return load(checkpoint, null);
    }

    /** @param quantizeOnLoad null: the weights as stored ({@link QuantizeOption}) */
    public static CheckpointModel load(Path checkpoint, Quantization quantizeOnLoad) {
        try {
            return CheckpointModel.load(checkpoint, Device.cpu(), quantizeOnLoad);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new InputException(e.getMessage(), e);
        }
    }

    /** Input the user can fix; {@link Errors} prints it as one line and exits 2. */
    public static final class InputException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InputException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
