/** Something the demo shop sells. Prices are integer minor units of the shop's currency (cents for EUR). */
export interface Product {
  id: string;
  name: string;
  description: string;
  price: number;
  /** The name and description in French, for buyers whose browser asks for it. */
  fr: { name: string; description: string };
}

export const PRODUCTS: readonly Product[] = Object.freeze([
  { id: 'mug', name: 'Enamel mug', description: 'A white enamel camping mug, 350 ml.', price: 1290, fr: { name: 'Tasse émaillée', description: 'Une tasse de camping en émail blanc, 35 cl.' } },
  { id: 'tshirt', name: 'T-shirt', description: 'Organic cotton, printed with the gateway flow diagram.', price: 2480, fr: { name: 'T-shirt', description: 'Coton bio, imprimé du schéma du parcours de paiement.' } },
  { id: 'poster', name: 'Poster', description: 'A2 poster: "Never drop money on the floor".', price: 990, fr: { name: 'Affiche', description: 'Affiche A2\u00a0: «\u00a0Ne jamais laisser l’argent tomber par terre\u00a0».' } },
]);

/** The product with this id, or undefined for anything else (including a non-string form value). */
export function findProduct(id: unknown): Product | undefined {
  return typeof id === 'string' ? PRODUCTS.find((p) => p.id === id) : undefined;
}
