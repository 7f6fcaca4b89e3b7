package io.lmforge.dedup;

/** Short distinct paragraphs for dedup tests (written for these tests; no licence attached). */
final class Texts {
    static final String KERNEL = "The kernel keeps a list of every memory region a process has mapped. "
            + "When the process touches an address that is not yet backed by a page, the fault handler walks "
            + "this list, finds the region that covers the address, allocates a fresh page and maps it. "
            + "Regions that were mapped from a file read the page from the page cache instead, and regions "
            + "that were marked as copy on write get a private copy the first time they are written. "
            + "All of this happens without the process noticing anything but a short delay.";

    static final String CAKE = "Preheat the oven, butter a tin and whisk four eggs with sugar until pale. Fold in "
            + "the flour and the melted butter, pour the batter into the tin and bake for forty minutes, until a "
            + "skewer comes out clean. Let the cake cool before you turn it out and dust it with icing sugar. "
            + "It keeps for three days in a tin, and it freezes well if you wrap it tightly.";

    static final String TRAIN = "The night train leaves the capital a little before ten and reaches the coast at "
            + "dawn. Sleeping cars have compartments for two or four travellers, with fresh linen and a small "
            + "basin, and the dining car serves a simple supper until midnight. Tickets open ninety days ahead "
            + "and the cheapest berths sell out within hours in summer, so book early if you can.";

    static final String GARDEN = "Tomatoes want a sunny wall, rich soil and water at the roots rather than on the "
            + "leaves. Pinch out the side shoots every week, tie the main stem to a cane as it grows, and feed the "
            + "plants with a potash fertiliser once the first trusses have set. Pick the fruit as it colours; left "
            + "on the plant too long, it splits after heavy rain and the birds find it first.";

    static final String CHESS = "In the opening, develop the knights before the bishops, castle early and do not "
            + "move the same piece twice without a reason. Control of the centre matters more than winning a pawn, "
            + "and a queen brought out too soon becomes a target that lets the opponent gain time. Once the pieces "
            + "are out, look for a plan: a weak square, an open file or a pawn that cannot be defended.";

    private Texts() {
    }
}
