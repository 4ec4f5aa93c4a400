export const double = (x: number): number => x * 2;
export const label = (name: string): string => `<${name}>`;
