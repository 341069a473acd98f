// ipsim's one refusal: what the kernel leaves undefined (it would corrupt memory or crash) and what
// ipsim's own rules forbid is refused before the kernel is called: one line, exit 1, state untouched.

export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refused';
  }
}
