/** Deliveries whose notes were written without some of DCI's parts: the catch-up asks DCI again for them. */
export interface PartialEnrichments {
  /**
   * Delivered deliveries whose enrichment is `partial` and was last tried before `before`, oldest first, that still
   * hold their payload (a removed one cannot be delivered again): the receiver asks DCI again and, when it answers,
   * delivers them again (notes updated in place).
   */
  listPartiallyEnriched(request: { target: string; before: Date; limit: number }): Promise<string[]>;
  /** Records that a partial enrichment was tried again at `at` and DCI still could not be read. */
  touchEnrichment(deliveryId: string, at: Date): Promise<void>;
}
