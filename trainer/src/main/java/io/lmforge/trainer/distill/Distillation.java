package io.lmforge.trainer.distill;

import ai.djl.ndarray.NDArray;

/** A training step's distillation term: the teacher whose logits it matches and the loss that compares them. */
public record Distillation(Teacher teacher, DistillationLoss loss) {

    /** The term for {@code teacher} with {@code settings}' alpha and temperature; null without a teacher. */
    public static Distillation of(Teacher teacher, DistillSettings settings, int ignoreIndex) {
        return teacher == null ? null
                : new Distillation(teacher, new DistillationLoss(settings.alpha(), settings.temperature(), ignoreIndex));
    }

    /**
     * Σ over the scored positions of KL(teacher_T ‖ student_T) for one micro-batch.
     *
     * @param student     the student's logits (B, T, V), fp32, recorded by autograd
     * @param tokens      the micro-batch's inputs (B, T), which the teacher reads too
     * @param documentIds document ids when attention is kept inside documents, else null
     */
    public NDArray klSum(NDArray student, NDArray tokens, NDArray documentIds, NDArray targets) {
        return loss.klSum(student, teacher.logits(tokens, documentIds), targets);
    }
}
