/** The demo home page every example serves, rendered from index.html (`{{name}}` → HTML-escaped value). */
export declare function renderHomePage(framework: string): string;
